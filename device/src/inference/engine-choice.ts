import { CliErrorCodes } from '@outpost/protocol';
import { deviceError } from '../errors.ts';
import type { InferenceEngine } from './engine.ts';
import { createOrtWebEngine } from './ort-web-engine.ts';
import { createTfliteEngine } from './tflite/tflite-engine.ts';

/**
 * The engines a device can be started with, by the name `outpost device --engine` takes:
 * 'onnx' runs model.onnx in onnxruntime-web (the default, any model); 'tflite' runs model.tflite in
 * tfjs-tflite (linear, logistic and MLP artifacts only). Each loads its runtime lazily.
 */
export const ENGINE_CHOICES = ['onnx', 'tflite'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];
export const DEFAULT_ENGINE: EngineChoice = 'onnx';

export function isEngineChoice(value: unknown): value is EngineChoice {
  return typeof value === 'string' && (ENGINE_CHOICES as readonly string[]).includes(value);
}

/** The engine of a choice; `CLI_ARGS` for a name that is none. */
export function createEngine(choice: string): InferenceEngine {
  if (!isEngineChoice(choice))
    throw deviceError(CliErrorCodes.CLI_ARGS, `unknown engine ${choice} (choose ${ENGINE_CHOICES.join(' or ')})`, {
      details: { option: '--engine', value: choice },
    });
  return choice === 'tflite' ? createTfliteEngine() : createOrtWebEngine();
}
