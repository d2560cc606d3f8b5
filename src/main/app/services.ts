/**
 * The console's plug-in services, listed statically so the type checker sees every one (a renamed factory is a build
 * error, not a silently missing feature). ConsoleHost registers each service's handlers next to its core service.
 */
import type { ConsoleService, ConsoleServiceContext, ConsoleServiceFactory } from '../service';
import type { MethodTable } from '../../shared/console-api';
import { createMcpService } from '../mcp';
import { createPanoramaService } from '../panorama';
import { createRunnerService } from '../runner';
import { createRecordService } from '../record';

type Create = (ctx: ConsoleServiceContext) => ConsoleService<MethodTable>;

export const CONSOLE_SERVICES: ReadonlyArray<ConsoleServiceFactory> = [
  { area: 'mcp', create: createMcpService as Create },
  { area: 'panorama', create: createPanoramaService as Create },
  { area: 'runner', create: createRunnerService as Create },
  { area: 'record', create: createRecordService as Create },
];
