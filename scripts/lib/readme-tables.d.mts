export const readmePath: string;
export function mappingTable(): string;
export function configurationTable(): string;
export function renderReadme(readme: string): Promise<string>;
