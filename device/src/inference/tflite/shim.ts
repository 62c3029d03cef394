import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * Makes `@tensorflow/tfjs-tflite` 0.0.1-alpha.10 load in plain Node. It assumes
 * a web worker: it reads `self.location`, loads its Emscripten loader with `importScripts`, fetches
 * the `.wasm`, and picks the threaded build when `MessageChannel` can post a SharedArrayBuffer.
 * The shim answers each of those from the package's `wasm/` folder on disk, and hides
 * `MessageChannel` while the package detects features, so the single-threaded SIMD build (no
 * workers) is chosen. Globals it had to add stay (the loader keeps using them); MessageChannel is
 * restored once the wasm module is up.
 */
export interface TfliteRunnerTensor {
  dataType: string;
  name: string;
  shape: string;
  data(): Int8Array | Uint8Array | Int16Array | Int32Array | Uint32Array | Float32Array | Float64Array;
}

export interface TfliteRunner {
  getInputs(): TfliteRunnerTensor[];
  getOutputs(): TfliteRunnerTensor[];
  infer(): boolean;
  cleanUp(): void;
}

interface TfliteModule {
  loadTFLiteModel(model: ArrayBuffer, options?: { numThreads?: number }): Promise<{ modelRunner: TfliteRunner }>;
}

const require = createRequire(import.meta.url);
/** A made-up origin: every URL the package builds under it is answered from WASM_DIR. */
const ORIGIN = 'http://tflite.local';

let loaded: Promise<TfliteModule> | null = null;

export function wasmDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
}

function localFile(url: string): string | null {
  if (!url.startsWith(`${ORIGIN}/`)) return null;
  const base = path.basename(new URL(url).pathname);
  return /^tflite_web_api_[a-z_]+\.(js|wasm)$/.test(base) ? path.join(wasmDir(), base) : null;
}

function install(): void {
  const g = globalThis as Record<string, unknown>;
  if (g.self === undefined) g.self = globalThis;
  if (g.location === undefined) g.location = { href: `${ORIGIN}/index.html`, origin: ORIGIN, protocol: 'http:' };
  if (g.importScripts === undefined) {
    g.importScripts = (...urls: string[]): void => {
      for (const url of urls) {
        const file = localFile(url);
        if (!file) throw new Error(`tflite shim: importScripts(${url}) is outside the package's wasm folder`);
        vm.runInThisContext(readFileSync(file, 'utf8'), { filename: file });
      }
    };
  }
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const file = localFile(url);
    if (!file) return realFetch(input, init);
    return new Response(readFileSync(file), {
      headers: { 'content-type': file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' },
    });
  }) as typeof fetch;
}

/** Loads tfjs-tflite once behind the shim. */
export function loadTflite(): Promise<TfliteModule> {
  loaded ??= (async () => {
    install();
    const g = globalThis as Record<string, unknown>;
    const channel = g.MessageChannel;
    delete g.MessageChannel;
    try {
      // A CommonJS package: its exports arrive as named exports and as `default`, depending on the loader.
      const mod = (await import('@tensorflow/tfjs-tflite')) as unknown as Partial<TfliteModule> & {
        default?: TfliteModule;
      };
      return typeof mod.loadTFLiteModel === 'function' ? (mod as TfliteModule) : (mod.default as TfliteModule);
    } finally {
      // Feature detection runs on import; restoring later would let a second detection pick threads.
      g.MessageChannel = channel;
    }
  })();
  return loaded;
}
