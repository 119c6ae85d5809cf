// Building blocks for one generated call-log record: parties, legs, recordings and message links in
// RingCentral's Detailed shape (api-notes §3). Scenarios (scenarios.ts) compose these.

import type { Company, Ext } from './company.ts';
import type { CallIds } from './ids.ts';
import type { Customer, NumberStyle } from './phone.ts';
import { styleNumber } from './phone.ts';
import { Rng } from './prng.ts';
import type { CallLegJson, MessageRefJson, PartyJson, RecordingJson, RefJson } from './types.ts';

export interface BuildCtx {
  /** Origin for absolute URIs; '' while only metadata is needed. */
  origin: string;
  seed: number;
  company: Company;
  customers: Customer[];
  /** Which traffic mix to draw scenarios from (see scenarios.ts PROFILES). */
  profile?: TrafficProfile;
  /** Whose number FindMe/FollowMe legs show as `from` (SimulatorOptions.forwardingFrom). Default 'caller'. */
  forwardingFrom?: 'caller' | 'owner';
}

export type TrafficProfile = 'office' | 'contact-center';

export const REASON_TEXT: Record<string, string> = {
  Accepted: 'The call connected to and was accepted by this number.',
  Connected: 'The call was answered, but there was no response on how to handle the call.',
  'Not Answered': 'The call was not answered by the dialed number.',
  'No Answer': 'The call was not answered.',
  'Hang Up': 'The caller hung up before the call was answered.',
  Stopped: 'This attempt was stopped because the call was answered by another phone.',
  'Line Busy': 'The dialed number was busy.',
  'line Busy': 'The dialed number was busy.',
  'Number Blocked': 'The call was blocked by a call handling rule.',
  'Internal Error': 'An internal error occurred when making the call.',
};

export interface LegSpec {
  offsetMs: number;
  durationMs: number;
  direction: 'Inbound' | 'Outbound';
  action: string;
  result: string;
  reason?: string;
  from: PartyJson;
  to: PartyJson;
  ext?: Ext;
  transport: 'PSTN' | 'VoIP';
  legType: string;
  master?: boolean;
  internalType?: string;
}

/**
 * Choices imposed on a call instead of drawn, for calls built as part of a pair (the same caller
 * twice, two callers in one mailbox). A forced value still consumes its random draw, so forcing one
 * choice never changes the others.
 */
export interface Force {
  user?: Ext;
  customer?: Customer;
  style?: NumberStyle;
  anonymous?: boolean;
  /** How long the caller speaks into the mailbox. */
  recordedMs?: number;
  /** Where the call log names the voicemail. */
  placement?: 'both' | 'leg' | 'none';
  /** How the message store writes the caller's number. */
  voicemailStyle?: VoicemailNumberStyle;
}

export type VoicemailNumberStyle = NumberStyle | 'national';

/** Per-call helper: knows the call's ids, start time and the URI layout of the account. */
export class CallBuilder {
  readonly api: string;
  /**
   * A second stream for choices added after the main stream was fixed (anonymous callers, voicemail
   * number formats): drawing them here keeps every earlier-generated call identical.
   */
  readonly aux: Rng;

  constructor(
    readonly ctx: BuildCtx,
    readonly ids: CallIds,
    readonly startMs: number,
    readonly rng: Rng,
    readonly key = 0,
    readonly force: Force = {},
  ) {
    this.api = `${ctx.origin}/restapi/v1.0/account/${ctx.company.accountId}`;
    this.aux = Rng.of(ctx.seed, key, 0xa0c5);
  }

  private extraRng?: Rng;

  /**
   * A third stream, drawn from only by choices that the default company and default options never
   * make (which of several queues, the shape of a forwarding leg): the default traffic stays identical.
   */
  get extra(): Rng {
    this.extraRng ??= Rng.of(this.ctx.seed, this.key, 0x51ed);
    return this.extraRng;
  }

  iso(ms: number): string {
    return new Date(ms).toISOString();
  }

  extRef(ext: Ext): RefJson {
    return { uri: `${this.api}/extension/${ext.id}`, id: ext.id };
  }

  /** How an extension appears as a party; `viaNumber` when the call used its direct number. */
  extParty(ext: Ext, viaNumber?: string): PartyJson {
    const party: PartyJson = {};
    if (viaNumber) party.phoneNumber = viaNumber;
    party.extensionNumber = ext.extensionNumber;
    party.extensionId = String(ext.id);
    party.name = ext.name;
    return party;
  }

  customerParty(c: Customer, style: NumberStyle, withName: boolean): PartyJson {
    const party: PartyJson = { phoneNumber: styleNumber(c.number, style) };
    if (withName) party.name = c.name;
    if (style !== 'masked') party.location = c.location;
    return party;
  }

  leg(spec: LegSpec): CallLegJson {
    const leg = {
      startTime: this.iso(this.startMs + spec.offsetMs),
      duration: Math.round(spec.durationMs / 1000),
      durationMs: spec.durationMs,
      type: 'Voice',
    } as CallLegJson;
    if (spec.internalType) leg.internalType = spec.internalType;
    leg.direction = spec.direction;
    leg.action = spec.action;
    leg.result = spec.result;
    if (spec.reason) {
      leg.reason = spec.reason;
      const text = REASON_TEXT[spec.reason];
      if (text) leg.reasonDescription = text;
    }
    leg.to = spec.to;
    leg.from = spec.from;
    if (spec.ext) leg.extension = this.extRef(spec.ext);
    leg.transport = spec.transport;
    leg.telephonySessionId = this.ids.telephonySessionId;
    leg.legType = spec.legType;
    leg.master = spec.master === true;
    return leg;
  }

  recording(type: 'Automatic' | 'OnDemand'): RecordingJson {
    const id = this.ids.recordingId;
    return {
      id,
      uri: `${this.api}/recording/${id}`,
      type,
      // RingCentral serves content from a media host; the simulator is its own media host.
      contentUri: `${this.api}/recording/${id}/content`,
    };
  }

  messageRef(mailbox: Ext): MessageRefJson {
    const id = this.ids.messageId;
    return { id, type: 'VoiceMail', uri: `${this.api}/extension/${mailbox.id}/message-store/${id}` };
  }
}
