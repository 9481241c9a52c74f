export declare const VERSIONED_PACKAGES: string[];
export declare function versionFilePath(dir: string): string;
export declare function renderVersionFile(dir: string): string;
