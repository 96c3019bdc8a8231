/**
 * Append-only typed arrays that double when full: how the importer holds millions of nodes and
 * way references at 4–8 bytes each instead of one object per element.
 */

type TypedArray = Float64Array | Int32Array | Uint8Array
type TypedArrayConstructor<A extends TypedArray> = new (length: number) => A

class Growable<A extends TypedArray> {
  readonly #make: TypedArrayConstructor<A>
  #data: A
  length = 0

  constructor(make: TypedArrayConstructor<A>, capacity = 1024) {
    this.#make = make
    this.#data = new make(capacity)
  }

  push(value: number): void {
    if (this.length === this.#data.length) {
      const bigger = new this.#make(this.#data.length * 2)
      bigger.set(this.#data as never)
      this.#data = bigger
    }
    this.#data[this.length++] = value
  }

  get(i: number): number {
    return this.#data[i]!
  }

  set(i: number, value: number): void {
    this.#data[i] = value
  }

  /** The filled part, as a view (no copy): valid until the next `push`. */
  view(): A {
    return this.#data.subarray(0, this.length) as A
  }
}

export class Float64Buffer extends Growable<Float64Array> {
  constructor(capacity?: number) {
    super(Float64Array, capacity)
  }
}

export class Int32Buffer extends Growable<Int32Array> {
  constructor(capacity?: number) {
    super(Int32Array, capacity)
  }
}

export class Uint8Buffer extends Growable<Uint8Array> {
  constructor(capacity?: number) {
    super(Uint8Array, capacity)
  }
}
