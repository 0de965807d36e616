import type { TokenType, TokenVocabulary } from 'chevrotain';
import { DefaultTokenBuilder, type Grammar, type TokenBuilderOptions } from 'langium';

/**
 * Words that stay keywords everywhere: as names they would make expressions ambiguous
 * (`param.x`, `item.x`, `not`, the literals). Keep in sync with the grammar's doc of `Name`.
 */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(['and', 'or', 'not', 'true', 'false', 'null', 'param', 'item']);

/**
 * Makes every other word keyword soft: its token joins the `ID` token category, so wherever the
 * grammar asks for a name (`Name: ID`), the keyword is accepted as one. The alternative, a
 * `Name` rule listing ~170 keywords, cost the parser an alternation over all of them for every
 * name in a document (about half of parsing a 10,000-task file, and most of its garbage).
 */
export class FlowTokenBuilder extends DefaultTokenBuilder {
    override buildTokens(grammar: Grammar, options?: TokenBuilderOptions): TokenVocabulary {
        const tokens = super.buildTokens(grammar, options) as TokenType[];
        const id = tokens.find(token => token.name === 'ID');
        if (!id) throw new Error('The Flow grammar must define an ID terminal.');
        for (const token of tokens) {
            // Keyword tokens match their own text; terminals (ID, NUMBER, STRING, ...) a RegExp.
            if (typeof token.PATTERN === 'string' && /^[A-Za-z_]\w*$/.test(token.PATTERN) && !RESERVED_WORDS.has(token.PATTERN)) {
                token.CATEGORIES = [id];
            }
        }
        return tokens;
    }
}
