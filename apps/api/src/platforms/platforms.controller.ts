import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PlatformDescriptor } from '@imbridge/contracts';
import { PlatformRegistry } from './platform-registry.service';

@ApiTags('platforms')
@ApiBearerAuth()
@Controller('api/platforms')
export class PlatformsController {
  constructor(private readonly registry: PlatformRegistry) {}

  @Get()
  @ApiOperation({ summary: "Each platform's descriptor: fields, zh/en labels, format checks, secret flags" })
  list(): PlatformDescriptor[] {
    return this.registry.descriptors();
  }
}
