import { createOrtNodeEngine } from '../src/index.ts';
import { defineEngineContract } from './engine-contract.ts';

defineEngineContract('onnxruntime-node', () => createOrtNodeEngine());
