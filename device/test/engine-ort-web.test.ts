import { createOrtWebEngine } from '../src/index.ts';
import { defineEngineContract } from './engine-contract.ts';

defineEngineContract('onnxruntime-web', () => createOrtWebEngine());
