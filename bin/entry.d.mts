export type EntryChoice = { form: 'bundle' | 'src' | 'built'; path: string } | { error: string };
export function chooseEntry(root: string, env?: Record<string, string | undefined>): EntryChoice;
