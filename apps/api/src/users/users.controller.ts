import { Body, Controller, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import type { UserRole, UserView } from '@imbridge/contracts';
import { CurrentUser, Roles, type SessionUser } from '../auth/auth.decorators';
import { ApiError } from '../common/api-error';
import { isUuid } from '../common/ids';
import { UsersService } from './users.service';

export class CreateUserDto {
  @ApiProperty({ example: 'agent1' })
  @IsString()
  @Matches(/^[A-Za-z0-9._@-]{2,64}$/, { message: 'username: 2-64 letters, digits, . _ @ -' })
  username!: string;

  @ApiProperty({ minLength: 8 })
  @IsString()
  @Length(8, 256)
  password!: string;

  @ApiProperty({ enum: ['admin', 'agent'] })
  @IsIn(['admin', 'agent'])
  role!: UserRole;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 128)
  displayName?: string;
}

export class SetPasswordDto {
  @ApiProperty({ minLength: 8 })
  @IsString()
  @Length(8, 256)
  password!: string;
}

@ApiTags('users')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  list(): Promise<UserView[]> {
    return this.users.list();
  }

  @Post()
  create(@Body() dto: CreateUserDto, @CurrentUser() actor: SessionUser, @Req() req: FastifyRequest): Promise<UserView> {
    return this.users.create(dto, { id: actor.id, username: actor.username, ip: req.ip });
  }

  @Put(':id/password')
  @HttpCode(204)
  @ApiOperation({ summary: "Set a user's password (admin); every session of that user ends at once" })
  async setPassword(@Param('id') id: string, @Body() dto: SetPasswordDto, @CurrentUser() actor: SessionUser, @Req() req: FastifyRequest): Promise<void> {
    if (!isUuid(id)) throw new ApiError(404, 'NOT_FOUND', 'user not found', '用户不存在');
    await this.users.setPassword(id, dto.password, { id: actor.id, username: actor.username, ip: req.ip });
  }
}
