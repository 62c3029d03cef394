#!/usr/bin/env node
// npm's bin entry: registers tsx so the TypeScript sources run as they are, then starts the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./outpost.ts');
