/** Starts the console's plug-in services (the list comes from the composition root, src/main/app/services.ts). */
import type { Logger } from '../log';
import type { ConsoleService, ConsoleServiceContext, ConsoleServiceFactory } from '../service';
import type { MethodTable } from '../../shared/console-api';
import { errorMessage } from '../../shared/errors';

export interface LoadedService {
  area: string;
  service: ConsoleService<MethodTable>;
}

/** Starts every listed service; one that fails to start is logged and left out (the console still works without it). */
export async function loadServices(ctx: ConsoleServiceContext, logger: Logger, list: ReadonlyArray<ConsoleServiceFactory>): Promise<LoadedService[]> {
  const out: LoadedService[] = [];
  for (const { area, create } of list) {
    try {
      const service = await create(ctx);
      if (!service || typeof service.handlers !== 'object') throw new Error(`the ${area} service returned no handlers`);
      out.push({ area, service });
      logger.info(`${area} service ready (${Object.keys(service.handlers).length} methods)`);
    } catch (err) {
      logger.warn(`${area} service could not start: ${errorMessage(err)}`);
    }
  }
  return out;
}
