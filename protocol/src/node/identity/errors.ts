import { defineErrors } from '../../error-registry.ts';

/** Codes of node identity: credentials, enrolment, revocation (docs/SECURITY.md "Identity"). */
export const IdentityErrorCodes = defineErrors('protocol', {
  ENROLL_TOKEN_INVALID:
    'an enrolment token is unknown, already used or expired (HTTP 401 from the enrol endpoint); ask the operator for a new one',
  ENROLL_FAILED:
    'an enrolment request could not be completed: the endpoint is unreachable, refused the TLS certificate or answered with an error',
  CREDENTIALS_INVALID:
    "a node's credentials file is missing, unreadable or malformed, or names another node than the one started",
  NOT_ENROLLED: 'a revocation names a gateway or device that has no credentials',
});
