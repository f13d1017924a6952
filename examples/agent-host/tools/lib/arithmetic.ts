// A small arithmetic parser (no eval): numbers, + - * / ^, unary minus, parentheses.

export function evaluate(expression: string): number {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = (): string | undefined => tokens[position];
  const take = (): string => {
    const token = tokens[position++];
    if (token === undefined) throw new Error('the expression ends too early');
    return token;
  };
  const sum = (): number => {
    let value = product();
    while (peek() === '+' || peek() === '-') value = take() === '+' ? value + product() : value - product();
    return value;
  };
  const product = (): number => {
    let value = power();
    while (peek() === '*' || peek() === '/') value = take() === '*' ? value * power() : value / power();
    return value;
  };
  const power = (): number => {
    const base = unary();
    return peek() === '^' ? (take(), base ** power()) : base;
  };
  const unary = (): number => (peek() === '-' ? (take(), -unary()) : atom());
  const atom = (): number => {
    const token = take();
    if (token === '(') {
      const value = sum();
      if (take() !== ')') throw new Error('a ")" is missing');
      return value;
    }
    const value = Number(token);
    if (!Number.isFinite(value)) throw new Error(`unexpected "${token}"`);
    return value;
  };
  const value = sum();
  if (position < tokens.length) throw new Error(`unexpected "${tokens[position]}"`);
  return value;
}

function tokenize(expression: string): string[] {
  const tokens = expression.match(/\d+(?:\.\d+)?|[-+*/^()]|\S/g);
  if (!tokens) throw new Error('there is nothing to compute');
  return tokens;
}
