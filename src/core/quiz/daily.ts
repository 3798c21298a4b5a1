import type { Person } from "../person.js";
import type { Reply } from "../reply.js";

/** How a server's daily quiz is set up: `/daily setup`. */
export interface DailySetup {
  channelId: string;
  /** "HH:MM" in `timeZone`. */
  time: string;
  /** An IANA name, as the admin typed it (Europe/Kyiv, not its old link Europe/Kiev). */
  timeZone: string;
  revealAfterMinutes: number;
  pingRoleId?: string;
}

export interface DailySettings extends DailySetup {
  paused: boolean;
  /** Slots before this instant (ms) are not owed: a setup or resume at 10:00 does not post 09:00's quiz. */
  activeFrom: number;
}

export interface DailyStatus {
  settings: DailySettings;
  /** When the next quiz is posted (ms); none while paused. */
  nextPostAt?: number;
  /** Today's time is still ahead, but today's quiz was already posted (at the earlier time): the next is tomorrow's. */
  todayAlreadyPosted?: boolean;
  posted: number;
  lastPostDate?: string;
}

/** The daily quiz of study servers; implemented on its own BullMQ queue by src/queue/daily-*.ts. */
export interface DailyQuizService {
  setup(guildId: string, setup: DailySetup): Promise<DailyStatus>;
  status(guildId: string): Promise<DailyStatus | undefined>;
  /** False when the server has no daily quiz. */
  pause(guildId: string): Promise<boolean>;
  resume(guildId: string): Promise<boolean>;
  off(guildId: string): Promise<boolean>;
  /** Loopy left the server: its schedule and settings go (its scores stay, should it come back). */
  removeGuild(guildId: string): Promise<void>;
  /** A press of a choice of the daily quiz of `date`; the private answer to show. */
  answer(guildId: string, date: string, user: Person, choice: number): Promise<Reply>;
}
