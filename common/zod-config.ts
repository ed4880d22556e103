// zod's global settings, applied before any schema is built: every module that builds schemas
// imports this file (for its effect) right after zod.
// jitless: zod otherwise compiles each object schema into a function (new Function) on its first
// parse. A CLI run parses its config once, so that compile was most of the cost of validation
// (about 12 ms of `cordon sandbox -- true`); interpreted parsing is as fast for one pass, and
// nothing is evaluated from strings.
import * as z from "zod";

z.config({ jitless: true });
