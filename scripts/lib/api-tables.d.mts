export interface PublicExport {
  readonly name: string;
  readonly kind: string;
  readonly description: string;
}
export function apiTablePackages(packagesDir: string): string[];
export function publicExports(packagesDir: string, pkg: string): PublicExport[];
export function apiTable(packagesDir: string, pkg: string): string;
