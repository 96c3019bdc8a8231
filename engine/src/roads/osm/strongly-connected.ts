/**
 * Strongly connected components of a directed graph (Tarjan's algorithm), iterative: a city's
 * road graph has tens of thousands of nodes and a recursive version would overflow the stack on
 * a long chain. O(nodes + arcs) time, six Int32Arrays of memory.
 *
 * A road graph keeps only its largest component: from any node a car can reach any other, so a
 * router never meets a dead end it cannot leave (a oneway stub, a car park entered through a
 * private gate) and every pickup is reachable from every driver.
 */

export interface Components {
  /** Component label of each node, 0..count-1; labels are assigned in reverse topological order. */
  readonly component: Int32Array
  readonly count: number
}

export const stronglyConnectedComponents = (nodeCount: number, arcFrom: Int32Array, arcTo: Int32Array): Components => {
  // Adjacency as CSR: the arcs out of v are head[start[v] .. start[v + 1]).
  const start = new Int32Array(nodeCount + 1)
  for (let a = 0; a < arcFrom.length; a++) start[arcFrom[a]! + 1]!++
  for (let v = 0; v < nodeCount; v++) start[v + 1]! += start[v]!
  const head = new Int32Array(arcFrom.length)
  const fill = start.slice(0, nodeCount)
  for (let a = 0; a < arcFrom.length; a++) head[fill[arcFrom[a]!]!++] = arcTo[a]!

  const order = new Int32Array(nodeCount).fill(-1) // discovery index
  const low = new Int32Array(nodeCount)
  const component = new Int32Array(nodeCount).fill(-1)
  const stack = new Int32Array(nodeCount) // Tarjan's stack of open nodes
  const callNode = new Int32Array(nodeCount) // the explicit call stack: node, next arc to look at
  const callArc = new Int32Array(nodeCount)
  let stackTop = 0, callTop = 0, discovered = 0, count = 0

  const visit = (v: number) => {
    order[v] = low[v] = discovered++
    stack[stackTop++] = v
    callNode[callTop] = v
    callArc[callTop++] = start[v]!
  }

  for (let root = 0; root < nodeCount; root++) {
    if (order[root] !== -1) continue
    visit(root)
    while (callTop > 0) {
      const v = callNode[callTop - 1]!
      const arc = callArc[callTop - 1]!
      if (arc < start[v + 1]!) {
        callArc[callTop - 1] = arc + 1
        const w = head[arc]!
        if (order[w] === -1) visit(w)
        else if (component[w] === -1) low[v] = Math.min(low[v]!, order[w]!) // w is still on the stack
        continue
      }
      callTop--
      if (callTop > 0) {
        const parent = callNode[callTop - 1]!
        low[parent] = Math.min(low[parent]!, low[v]!)
      }
      if (low[v] === order[v]) {
        let w: number
        do {
          w = stack[--stackTop]!
          component[w] = count
        } while (w !== v)
        count++
      }
    }
  }
  return { component, count }
}
