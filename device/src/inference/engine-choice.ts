import { CliErrorCodes } from '@outpost/protocol';
import { deviceError } from '../errors.ts';
import type { InferenceEngine } from './engine.ts';

/**
 * The engines a device can be started with, by the name `outpost device --engine` takes
 * (docs/DEVICE.md "Choosing the engine"):
 * - 'auto' (the default): onnxruntime-node where its native binary loads (linux x64 and arm64),
 *   otherwise onnxruntime-web;
 * - 'onnxruntime-node' / 'onnxruntime-web': model.onnx in that runtime, any model;
 * - 'tflite': model.tflite in tfjs-tflite (linear, logistic and MLP artifacts only).
 * Each engine module and its runtime are loaded only when chosen.
 */
export const ENGINE_CHOICES = ['auto', 'onnxruntime-node', 'onnxruntime-web', 'tflite'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];
export const DEFAULT_ENGINE: EngineChoice = 'auto';

export function isEngineChoice(value: unknown): value is EngineChoice {
  return typeof value === 'string' && (ENGINE_CHOICES as readonly string[]).includes(value);
}

export interface EngineSelection {
  engine: InferenceEngine;
  /** What was asked for. */
  choice: EngineChoice;
  /** Why this engine: for 'auto', which runtime loaded or why onnxruntime-node did not. */
  reason: string;
}

export interface SelectEngineOptions {
  /**
   * Whether onnxruntime-node loads here (default: try to import it). Passed in by tests to play a
   * platform without its binary, such as 32-bit ARM.
   */
  probeOrtNode?: () => Promise<{ available: true } | { available: false; reason: string }>;
}

/** The engine of a choice; `CLI_ARGS` for a name that is none. */
export async function selectEngine(choice: string, options: SelectEngineOptions = {}): Promise<EngineSelection> {
  if (!isEngineChoice(choice))
    throw deviceError(CliErrorCodes.CLI_ARGS, `unknown engine ${choice} (choose ${ENGINE_CHOICES.join(', ')})`, {
      details: { option: '--engine', value: choice },
    });
  switch (choice) {
    case 'tflite': {
      const { createTfliteEngine } = await import('./tflite/tflite-engine.ts');
      return { engine: createTfliteEngine(), choice, reason: 'asked for' };
    }
    case 'onnxruntime-web': {
      const { createOrtWebEngine } = await import('./ort-web-engine.ts');
      return { engine: createOrtWebEngine(), choice, reason: 'asked for' };
    }
    case 'onnxruntime-node': {
      const { createOrtNodeEngine } = await import('./ort-node-engine.ts');
      return { engine: createOrtNodeEngine(), choice, reason: 'asked for' };
    }
    case 'auto': {
      const { createOrtNodeEngine, ortNodeAvailability } = await import('./ort-node-engine.ts');
      const node = await (options.probeOrtNode ?? ortNodeAvailability)();
      if (node.available)
        return {
          engine: createOrtNodeEngine(),
          choice,
          reason: `onnxruntime-node loads on ${process.platform}-${process.arch}`,
        };
      const { createOrtWebEngine } = await import('./ort-web-engine.ts');
      return {
        engine: createOrtWebEngine(),
        choice,
        reason: `onnxruntime-node does not load on ${process.platform}-${process.arch} (${node.reason}); using the wasm fallback`,
      };
    }
  }
}
