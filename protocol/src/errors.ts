/**
 * Coded errors shared by every tier, defined once in the error registry (error-registry.ts).
 * Tests assert `code`, never the message. docs/errors.md is rendered from the registry.
 */
import { defineErrors } from './error-registry.ts';

export { OutpostError, isOutpostError, errorMessage } from './outpost-error.ts';
export {
  defineErrors,
  registeredErrors,
  errorDefinition,
  ERROR_CODE_PREFIX,
  type ErrorCodeMap,
  type ErrorDefinition,
  type ErrorOwner,
} from './error-registry.ts';
export { renderErrorsDoc } from './errors-doc.ts';

export const ErrorCodes = defineErrors('protocol', {
  NOT_JSON: 'a message or file is not valid JSON',
  PAYLOAD_TOO_LARGE: 'a message or file exceeds its size limit (512 KiB for messages, 4 MiB for a manifest)',
  SCHEMA_INVALID: 'a message or manifest fails its schema; `details.field` names the first bad field',
  TOPIC_INVALID: 'a topic is not one of `outpost/v1/…`',
  TOPIC_MISMATCH:
    "the id in a message's topic differs from the device, source or target named in its payload (a node publishing as another); the fleet and the gateway dead-letter it",
  ID_INVALID: 'a device, gateway or model id has characters a topic level cannot carry',
  SIGNATURE_MISSING: 'a manifest or a desired state has no signature',
  SIGNATURE_INVALID:
    "a manifest's or desired state's signature does not verify against the pinned public key (tampered or forged, or another key)",
  HASH_MISMATCH: 'a file, chunk or manifest does not hash to what it was promised as (tampered or corrupted artifact)',
  CANONICAL_JSON: 'a value cannot be written as canonical JSON (NaN, Infinity, a function)',
  KEY_INVALID: 'a key file or string is not an ed25519 key, or a key pair is incomplete',
  CSV: 'malformed CSV: ragged row, unterminated quote, empty file; `details.line` / `column`',
  ARTIFACT_NOT_FOUND: 'the artifact chunk server (fleet or gateway) has no such artifact, or no such file in it',
  CHUNK_OUT_OF_RANGE: 'an artifact chunk past the end of the file was asked for',
  ARTIFACT_READ_FAILED: 'the artifact server failed to read a file it has (disk error)',
  TRANSFER_TIMEOUT: 'an artifact chunk was asked for repeatedly without a reply',
  TRANSFER_INVALID:
    'an artifact chunk reply contradicts its request or the manifest (another index or file, a size or chunk count over the bound): the sender is not trusted, the transfer may be retried',
  ARTIFACT_FOLDER_INVALID: 'a folder given as an artifact has no manifest.json, or its manifest cannot be read',
  ARTIFACT_NOT_ASSIGNED: 'the artifact server refused a chunk: the artifact is not assigned to the node asking',
  TRANSFER_BUSY:
    "the artifact server's queue of chunk replies is full (a gateway's to its devices, the fleet's to its gateways): the request is refused with `retryAfterMs`, and the asker asks again after that wait (docs/ARCHITECTURE.md \"Artifact transfer\")",
  ERROR_DEFINED_TWICE:
    'two modules define the same error code (a bug, raised when the second one loads); `details.first` and `details.second` name the owners',
  ERROR_DEFINITION_INVALID:
    'a `defineErrors` entry has a key that is not UPPER_SNAKE_CASE or an empty meaning (a bug, raised at load time)',
  INTENT_STALE:
    'a signed desired state has a revision below the highest one this node accepted, or the same revision with other content (a replay); it is ignored',
  INTENT_TARGET: 'a signed desired state is for another gateway than the one this node belongs to; it is ignored',
  INTENT_KEY_MISSING:
    'a node has no fleet intent key (option `fleetKeyPem` or `<dataDir>/fleet-key.pub`), so it cannot verify any desired state and accepts none',
});

/** Codes of the command-line kit (`@outpost/protocol/node`), raised by every tier's commands. */
export const CliErrorCodes = defineErrors('cli', {
  CLI_ARGS:
    'a command-line argument or option is missing or invalid (exit code 2); `details.option` (or `field`) names it',
});

export type ProtocolErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];
export type CliErrorCode = (typeof CliErrorCodes)[keyof typeof CliErrorCodes];
