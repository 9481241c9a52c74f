export function archiveDocuments(bytes: Buffer): string[];
