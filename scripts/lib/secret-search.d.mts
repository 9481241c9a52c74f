export interface KeyToRegister {
  readonly id: string;
  readonly name: string;
  readonly tenantId: string;
  readonly secret: string;
}
export interface SearchedSecret {
  readonly what: string;
  readonly value: string;
}
export function writeKeysFile(keys: readonly KeyToRegister[]): string;
export function leakForms(secret: string): string[];
export function leakedSecrets<T extends SearchedSecret>(text: string, secrets: readonly T[]): T[];
