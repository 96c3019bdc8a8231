/** Types for rbush-knn@4 (it ships none); only the bench uses it, as a baseline. */
declare module "rbush-knn" {
  import type RBush from "rbush"
  export default function knn<T>(
    tree: RBush<T>,
    x: number,
    y: number,
    n?: number,
    predicate?: (item: T) => boolean,
    maxDistance?: number
  ): Array<T>
}
