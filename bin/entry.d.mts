export type EntryChoice = { form: 'bundle' | 'rebuild' | 'src' | 'built'; path: string } | { error: string };
export function chooseEntry(root: string, env?: Record<string, string | undefined>): EntryChoice;
