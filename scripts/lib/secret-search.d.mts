export interface KeyToRegister {
  readonly id: string;
  readonly name: string;
  readonly tenantId: string;
  readonly secret: string;
  /** Registry lifecycle fields written into the entry as they are (`revoked_at`, `expires_at`, ...). */
  readonly lifecycle?: Readonly<Record<string, string>>;
}
export interface SearchedSecret {
  readonly what: string;
  readonly value: string;
}
export function writeKeysFile(keys: readonly KeyToRegister[], file?: string): string;
export function leakForms(secret: string): string[];
export function leakedSecrets<T extends SearchedSecret>(text: string, secrets: readonly T[]): T[];
