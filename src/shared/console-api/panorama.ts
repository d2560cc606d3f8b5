/** ConsoleApi methods of the panorama panel. The panorama work fills this group in; the host and UI derive from it. */
export interface PanoramaProgress { done: number; total: number; phase: string; message?: string }

export const panoramaMethods = {};
