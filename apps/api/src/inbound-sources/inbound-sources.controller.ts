import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { ApiError } from '../common/api-error';
import { IntegrationsService } from '../integrations/integrations.service';
import { InboundSourceSupervisor, type InboundSourceStatus } from './inbound-source.supervisor';

@ApiTags('integrations')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/integrations')
export class InboundSourcesController {
  constructor(
    private readonly integrations: IntegrationsService,
    private readonly sources: InboundSourceSupervisor,
  ) {}

  @Get(':id/inbound-sources')
  @ApiOperation({
    summary:
      'Inbound sources that are not callbacks (cursor pulls, long-lived connections): per unit its state, the process that ran it, last start, last success and last error',
  })
  async status(@Param('id') id: string): Promise<InboundSourceStatus[]> {
    await this.integrations.get(id); // 404 for an unknown id
    try {
      return await this.sources.status(id);
    } catch {
      throw new ApiError(503, 'TEMPORARILY_UNAVAILABLE', 'source status is temporarily unavailable (Redis unreachable)', '数据源状态暂时不可用（Redis 无法连接）');
    }
  }
}
