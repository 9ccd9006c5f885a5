/**
 * Tyk strips one case-insensitive "Bearer " prefix (exactly one space) from a credential
 * longer than 6 characters; "Bearer: x" and "Basic x" are left alone (mw_auth_key.go).
 */
export function stripBearer (credential: string): string {
  if (credential.length > 6 && credential.length >= 7 && credential.charCodeAt(6) === 32 &&
      credential.slice(0, 6).toUpperCase() === 'BEARER') {
    return credential.slice(7)
  }
  return credential
}
