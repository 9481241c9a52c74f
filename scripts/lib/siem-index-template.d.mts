export const indexTemplatePath: string;
export const INDEX_TEMPLATE_NAME: string;
export const INDEX_PATTERN: string;
export function indexTemplate(core: unknown): Record<string, unknown>;
export function renderIndexTemplate(core: unknown): Promise<string>;
export function writeIndexTemplate(core: unknown): Promise<boolean>;
export function putIndexTemplate(url: string, core: unknown): Promise<void>;
