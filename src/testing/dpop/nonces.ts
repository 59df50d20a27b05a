import { randomToken } from '../encoding';

/** The two servers of the model: the authorization server (token endpoints) and the resource server (API). */
export type DpopFace = 'as' | 'rs';

/**
 * Server-provided nonces (RFC 9449 §8, §9). Both faces live on one origin, and a client keeps one
 * nonce per origin, so they share one current nonce; each face decides whether it requires it. The
 * nonce is sent on every answer of a face that requires one and rotates every `rotateEvery` checked
 * proofs; only the current nonce is accepted.
 */
export class NonceBook {
  #current = randomToken(16);
  #checked = 0;
  #required: Record<DpopFace, boolean> = { as: false, rs: false };
  #rotateEvery = 0;

  constructor(required: boolean | DpopFace, rotateEvery: number) {
    this.require(required);
    this.rotateEvery(rotateEvery);
  }

  /** `true`: both faces; a face: only that one; `false`: none. */
  require(faces: boolean | DpopFace): void {
    this.#required = { as: faces === true || faces === 'as', rs: faces === true || faces === 'rs' };
  }

  rotateEvery(count: number): void {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('rotateEvery must be a non-negative integer (0: never)');
    this.#rotateEvery = count;
    this.#checked = 0;
  }

  /** The nonce to send on an answer of `face`, or undefined while that face requires none. */
  header(face: DpopFace): string | undefined {
    return this.#required[face] ? this.#current : undefined;
  }

  accepts(face: DpopFace, nonce: unknown): boolean {
    return !this.#required[face] || nonce === this.#current;
  }

  /** Counts an accepted proof and rotates when due. */
  tick(): void {
    if (this.#rotateEvery === 0 || ++this.#checked < this.#rotateEvery) return;
    this.rotate();
  }

  rotate(): void {
    this.#checked = 0;
    this.#current = randomToken(16);
  }
}
