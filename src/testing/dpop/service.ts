import type { ServerClock } from '../clock';
import type { CounterBook } from '../counters';
import type { DpopServerOptions } from '../types';
import { VERIFIERS } from './jws';
import { NonceBook, type DpopFace } from './nonces';
import { checkProof, type ProofCheck, type ProofRejection } from './proof-check';
import { ReplayCache } from './replay-cache';

export interface ResolvedDpopOptions {
  readonly algs: readonly string[];
  readonly nonce: boolean | DpopFace;
  readonly rotateNonceEvery: number;
  readonly window: number;
  readonly required: boolean;
}

export function resolveDpopOptions(options: DpopServerOptions = {}): ResolvedDpopOptions {
  const algs = options.algs ?? ['ES256', 'RS256', 'PS256', 'EdDSA'];
  if (algs.length === 0 || algs.some((alg) => VERIFIERS[alg] === undefined)) {
    throw new RangeError(`dpop.algs must be a non-empty subset of ${Object.keys(VERIFIERS).join(', ')}`);
  }
  const window = options.proofWindow ?? 60;
  if (!Number.isFinite(window) || window <= 0) throw new RangeError('dpop.proofWindow must be positive seconds');
  const rotate = options.rotateNonceEvery ?? 0;
  if (!Number.isSafeInteger(rotate) || rotate < 0) throw new RangeError('dpop.rotateNonceEvery must be a non-negative integer');
  return { algs: [...algs], nonce: options.nonce ?? false, rotateNonceEvery: rotate, window, required: options.required ?? false };
}

/**
 * The DPoP side of one server (RFC 9449): proof checks with a replay cache, nonces of both faces,
 * key bindings of refresh key families, and the proof counters. Owned by one server context.
 */
export class DpopService {
  readonly nonces: NonceBook;
  readonly #replays = new ReplayCache();
  /** familyId -> jkt: every token of a family (refresh and access) is bound to the key that started it. */
  readonly #bindings = new Map<string, string>();
  /** The key (`jkt`) of each admitted token request's proof. */
  readonly #admitted = new WeakMap<Request, string>();
  #rejectNext = 0;

  constructor(
    readonly options: ResolvedDpopOptions,
    private readonly clock: ServerClock,
    private readonly counters: CounterBook,
  ) {
    this.nonces = new NonceBook(options.nonce, options.rotateNonceEvery);
  }

  /** Fault: the next `times` proofs are refused (`invalid_dpop_proof`, counted as `injected`). */
  rejectNextProof(times = 1): void {
    if (!Number.isSafeInteger(times) || times < 1) throw new RangeError('times must be a positive integer');
    this.#rejectNext += times;
  }

  bind(familyId: string, jkt: string): void {
    this.#bindings.set(familyId, jkt);
  }

  boundTo(familyId: string): string | undefined {
    return this.#bindings.get(familyId);
  }

  admitted(request: Request, jkt: string): void {
    this.#admitted.set(request, jkt);
  }

  /** The thumbprint of the key that signed the request's accepted proof (token endpoints). */
  keyOf(request: Request): string | undefined {
    return this.#admitted.get(request);
  }

  refuse(reason: ProofRejection): void {
    this.counters.countDpopRejection(reason);
  }

  /** Checks a proof for `face`, counting the outcome and rotating that face's nonce when due. */
  async check(face: DpopFace, proof: string, request: Request, accessToken?: string): Promise<ProofCheck> {
    const now = this.clock.seconds();
    const result: ProofCheck =
      this.#rejectNext > 0
        ? (this.#rejectNext--, { ok: false, reason: 'injected', description: 'The DPoP proof was refused (injected fault)' })
        : /,/.test(proof) || proof.trim() === ''
          ? { ok: false, reason: 'header', description: 'Exactly one DPoP header is required' }
          : await checkProof({
              proof,
              method: request.method,
              url: new URL(request.url),
              algs: this.options.algs,
              now,
              window: this.options.window,
              ...(accessToken === undefined ? {} : { accessToken }),
              nonceOk: (nonce) => this.nonces.accepts(face, nonce),
              admitJti: (jti) => this.#replays.admit(jti, now * 1000, (now + 2 * this.options.window) * 1000),
            });
    if (result.ok) {
      this.counters.increment('dpopProofsAccepted');
      this.nonces.tick();
    } else {
      this.refuse(result.reason);
      if (result.reason === 'nonce') this.counters.increment('dpopNonceChallenges');
      if (result.reason === 'jti-replay') this.counters.increment('dpopJtiReplays');
    }
    return result;
  }
}
