export const readmePath: string;
export function mappingTable(): string;
export function renderReadme(readme: string): Promise<string>;
