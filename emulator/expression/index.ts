// The expression language: one parser for the debugger's conditions, watches and hovers and
// for the exit filters of `paravirt run --stop-on` and the machine (see expression.ts).

export {
  compileCondition, compileExpression, parseExpression, toBigInt, toNumber, typedBytes,
  ExpressionError, NotApplicable,
} from './expression';
export { memberOffset } from './builtins';
export type { Compiled, ExpressionScope, ExpressionSyntax, ParsedExpression, Typed, Value } from './expression';
