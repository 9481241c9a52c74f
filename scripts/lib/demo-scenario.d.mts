export interface DemoSecret {
  readonly what: string;
  readonly value: string;
}
export interface DemoStep {
  readonly step: string;
  readonly app: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}
export interface DemoKey {
  readonly id: string;
  readonly name: string;
  readonly tenantId: string;
  readonly ip: string;
  readonly secret: string;
}
export interface DemoScenario {
  readonly keys: Record<'ci' | 'dashboard' | 'billing' | 'partner', DemoKey>;
  readonly keysFile: string;
  readonly winstonKey: string;
  readonly secrets: DemoSecret[];
  readonly steps: DemoStep[];
  readonly leakedKeyIps: string[];
  readonly bruteForceIp: string;
}
export function createScenario(): DemoScenario;
export function drive(steps: readonly DemoStep[], baseUrls: Record<string, string>): Promise<number[]>;
export const STEP_NOTES: Readonly<Record<string, string>>;
