export function ecsField(document: Record<string, unknown>, path: string): unknown;
