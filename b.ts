import { Schema } from "effect"
class E extends Schema.TaggedError<E>()("E", { a: Schema.String }) { override get message() { return "msg " + this.a } }
const e = new E({ a: "x" })
console.log(e instanceof Error, e.message, String(e), e.name, e._tag)
