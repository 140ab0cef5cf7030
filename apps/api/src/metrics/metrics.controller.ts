import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import type { ProcessSnapshot } from './process-stats';
import { ProcessStatsService } from './process-stats.service';

export interface MetricsView {
  processes: ProcessSnapshot[];
  /** The sums over every live process. */
  total: Omit<ProcessSnapshot, 'id' | 'role' | 'pid' | 'at' | 'uptimeSeconds'>;
}

@ApiTags('metrics')
@Controller('api/metrics')
export class MetricsController {
  constructor(private readonly stats: ProcessStatsService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Counters of every live process (CPU, PostgreSQL statements, Redis commands, pipeline events); at most 1 s old' })
  async metrics(): Promise<MetricsView> {
    const processes = await this.stats.all();
    const total: MetricsView['total'] = { cpuMicros: 0, rssBytes: 0, pgStatements: 0, redisCommands: 0, events: {} };
    for (const p of processes) {
      total.cpuMicros += p.cpuMicros;
      total.rssBytes += p.rssBytes;
      total.pgStatements += p.pgStatements;
      total.redisCommands += p.redisCommands;
      for (const [k, v] of Object.entries(p.events)) total.events[k] = (total.events[k] ?? 0) + v;
    }
    return { processes, total };
  }
}
