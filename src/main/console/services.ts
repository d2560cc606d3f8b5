/**
 * Loads the plug-in services (mcp, panorama, runner) from `src/main/<area>/console-service.ts` when they exist in
 * this build. The import path is computed so a missing service is a logged absence, not a build or type error.
 */
import type { Logger } from '../log';
import type { ConsoleService, ConsoleServiceContext } from './service';
import type { MethodTable } from '../../shared/console-api';

export interface LoadedService {
  area: string;
  service: ConsoleService<MethodTable>;
}

const AREAS: Array<{ area: string; factory: string }> = [
  { area: 'mcp', factory: 'createMcpService' },
  { area: 'panorama', factory: 'createPanoramaService' },
  { area: 'runner', factory: 'createRunnerService' },
  { area: 'record', factory: 'createRecordService' },
];

/**
 * In a Vite build (the Electron main bundle) the services present at build time are bundled through this glob; under
 * tsx (the CLI from source) `import.meta.glob` does not exist and the computed import below is used instead.
 */
function bundledImporters(): Record<string, () => Promise<unknown>> {
  try {
    return import.meta.glob('../*/console-service.ts');
  } catch {
    return {};
  }
}

type Factory = (ctx: ConsoleServiceContext) => ConsoleService<MethodTable> | Promise<ConsoleService<MethodTable>>;

export async function loadServices(ctx: ConsoleServiceContext, logger: Logger): Promise<LoadedService[]> {
  const out: LoadedService[] = [];
  for (const { area, factory } of AREAS) {
    const spec = `../${area}/console-service`;
    const bundled = bundledImporters()[`${spec}.ts`];
    let mod: Record<string, unknown>;
    try {
      mod = (await (bundled ? bundled() : import(/* @vite-ignore */ spec))) as Record<string, unknown>;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find module|Failed to load url/i.test(String(err))) {
        logger.debug(`${area} service not in this build`);
      } else {
        logger.warn(`${area} service failed to load: ${(err as Error).message}`);
      }
      continue;
    }
    const create = mod[factory];
    if (typeof create !== 'function') {
      logger.debug(`${area} service module has no ${factory}()`);
      continue;
    }
    try {
      const service = await (create as Factory)(ctx);
      if (!service || typeof service.handlers !== 'object') throw new Error(`${factory}() returned no handlers`);
      out.push({ area, service });
      logger.info(`${area} service ready (${Object.keys(service.handlers).length} methods)`);
    } catch (err) {
      logger.warn(`${area} service could not start: ${(err as Error).message}`);
    }
  }
  return out;
}
