import { Body, Controller, Get, HttpCode, Optional, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LoginResponse, UserView } from '@imbridge/contracts';
import { ApiError } from '../common/api-error';
import { AuditService } from '../audit/audit.service';
import { UsersService } from '../users/users.service';
import { CurrentUser, Public, type SessionUser } from './auth.decorators';
import { LoginLimiter } from './login-limiter.service';
import { SessionService } from './session.service';
import { DeskSocketServer } from '../realtime/desk-socket.server';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { UserEntity } from '@imbridge/persistence';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @Length(1, 64)
  username!: string;

  @ApiProperty({ example: 'change-me' })
  @IsString()
  @Length(1, 256)
  password!: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @Length(1, 256)
  currentPassword!: string;

  @ApiProperty({ minLength: 8 })
  @IsString()
  @Length(8, 256)
  newPassword!: string;
}

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly limiter: LoginLimiter,
    private readonly audit: AuditService,
    @InjectRepository(UserEntity) private readonly userRepo: Repository<UserEntity>,
    @Optional() private readonly sockets?: DeskSocketServer,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in; returns a bearer token and sets the console session cookie' })
  async login(@Body() dto: LoginDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<LoginResponse> {
    const ip = req.ip;
    // Counted before the password is checked, in one Redis step: parallel guesses get no more than the limit.
    const wait = await this.limiter.take(dto.username, ip);
    if (wait > 0) {
      await this.audit.record({ id: null, username: dto.username, ip }, 'auth.login.throttled');
      throw new ApiError(429, 'TOO_MANY_ATTEMPTS', `too many failed logins, try again in ${wait} s`, `登录失败次数过多，请 ${wait} 秒后再试`);
    }
    const user = await this.users.checkPassword(dto.username, dto.password);
    if (!user) {
      await this.audit.record({ id: null, username: dto.username, ip }, 'auth.login.failed');
      throw new ApiError(401, 'BAD_CREDENTIALS', 'wrong username or password', '用户名或密码错误');
    }
    await this.limiter.succeeded(dto.username, ip);
    const accessToken = this.sessions.issue(user);
    void reply.header('set-cookie', this.sessions.cookie(accessToken));
    await this.audit.record({ id: user.id, username: user.username, ip }, 'auth.login');
    return { accessToken, user: UsersService.view(user) };
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: "Log out: this session's token (bearer or cookie) stops working at once on every process; the cookie is cleared" })
  async logout(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const session = this.sessions.fromRequest(req);
    if (session) {
      await this.sessions.revoke(session);
      this.sockets?.disconnectSession(session.jti);
      await this.audit.record({ id: session.id, username: session.username, ip: req.ip }, 'auth.logout');
    }
    void reply.header('set-cookie', this.sessions.cookie(null));
  }

  @Post('password')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Change my password: every other session ends at once; this one gets a fresh token (and cookie)' })
  async changePassword(
    @Body() dto: ChangePasswordDto,
    @CurrentUser() user: SessionUser,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponse> {
    // The current password is a login in disguise: it takes an attempt like one.
    const wait = await this.limiter.take(user.username, req.ip);
    if (wait > 0) throw new ApiError(429, 'TOO_MANY_ATTEMPTS', `too many failed attempts, try again in ${wait} s`, `失败次数过多，请 ${wait} 秒后再试`);
    const ok = await this.users.checkPassword(user.username, dto.currentPassword);
    if (!ok || ok.id !== user.id) throw new ApiError(400, 'BAD_CREDENTIALS', 'the current password is wrong', '当前密码不正确');
    await this.limiter.succeeded(user.username, req.ip);
    const updated = await this.users.setPassword(user.id, dto.newPassword, { id: user.id, username: user.username, ip: req.ip });
    const accessToken = this.sessions.issue(updated);
    void reply.header('set-cookie', this.sessions.cookie(accessToken));
    return { accessToken, user: UsersService.view(updated) };
  }

  @Get('me')
  @ApiBearerAuth()
  async me(@CurrentUser() user: SessionUser): Promise<UserView> {
    const row = await this.userRepo.findOneOrFail({ where: { id: user.id } });
    return UsersService.view(row);
  }
}
