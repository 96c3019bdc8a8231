/**
 * A binary min-heap of (key, node) pairs in typed arrays, for the road searches (Dijkstra, the
 * contraction's witness searches, hierarchy queries). Nodes may be pushed more than once: a
 * search skips an entry whose key is no longer its node's distance ("lazy deletion"), which is
 * cheaper here than a decrease-key index, as flatqueue (the heap of docs/limits.md's baseline
 * Dijkstra) does. Nothing is allocated per push once the arrays have grown.
 */
export class MinHeap {
  size = 0
  #keys: Float64Array
  #nodes: Int32Array

  constructor(capacity = 1024) {
    this.#keys = new Float64Array(capacity)
    this.#nodes = new Int32Array(capacity)
  }

  clear(): void {
    this.size = 0
  }

  push(key: number, node: number): void {
    if (this.size === this.#keys.length) this.#grow()
    const keys = this.#keys, nodes = this.#nodes
    let i = this.size++
    while (i > 0) {
      const parent = (i - 1) >> 1
      const k = keys[parent]!
      if (k <= key) break
      keys[i] = k
      nodes[i] = nodes[parent]!
      i = parent
    }
    keys[i] = key
    nodes[i] = node
  }

  /** The smallest key (the heap must not be empty). */
  peekKey(): number {
    return this.#keys[0]!
  }

  /** Removes the smallest entry and returns its node; its key is `lastKey`. */
  pop(): number {
    const keys = this.#keys, nodes = this.#nodes
    const node = nodes[0]!
    this.lastKey = keys[0]!
    const n = --this.size
    if (n > 0) {
      const key = keys[n]!, moved = nodes[n]!
      let i = 0
      for (;;) {
        let child = 2 * i + 1
        if (child >= n) break
        const right = child + 1
        if (right < n && keys[right]! < keys[child]!) child = right
        if (keys[child]! >= key) break
        keys[i] = keys[child]!
        nodes[i] = nodes[child]!
        i = child
      }
      keys[i] = key
      nodes[i] = moved
    }
    return node
  }

  /** Key of the entry `pop` last returned. */
  lastKey = 0

  #grow(): void {
    const keys = new Float64Array(this.#keys.length * 2)
    keys.set(this.#keys)
    const nodes = new Int32Array(this.#nodes.length * 2)
    nodes.set(this.#nodes)
    this.#keys = keys
    this.#nodes = nodes
  }
}
