import type { Provider, Type } from '@nestjs/common';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { DeskListeners } from '../realtime/desk-listeners.service';
import { DeskSocketServer } from '../realtime/desk-socket.server';
import { PresenceService } from '../realtime/presence.service';
import { AssignmentService, AssignmentSweeper } from './assignment.service';
import { CannedRepliesController } from './canned-replies.controller';
import { CannedRepliesService } from './canned-replies.service';
import { ContactsController } from './contacts.controller';
import { DeskController } from './desk.controller';

/** What the desk (realtime, presence, assignment, canned replies, notes, profiles) adds to the application module. */
export const DESK_PROVIDERS: Provider[] = [PresenceService, DeskListeners, DeskNotifier, AssignmentService, CannedRepliesService];
/** Providers only the HTTP role runs (the socket.io server). */
export const DESK_HTTP_PROVIDERS: Provider[] = [DeskSocketServer];
/** Providers only the worker role runs. */
export const DESK_WORKER_PROVIDERS: Provider[] = [AssignmentSweeper];
export const DESK_CONTROLLERS: Type[] = [DeskController, CannedRepliesController, ContactsController];
