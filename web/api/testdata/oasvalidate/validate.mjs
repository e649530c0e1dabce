// Independent validation of OpenAPI documents with
// @seriousme/openapi-schema-validator, which checks them against the
// OpenAPI Initiative's published JSON Schemas. Run by web/api/api_test.go:
//
//   node validate.mjs FILE...   (YAML or JSON)
//
// Prints one JSON line a file: {"file": ..., "valid": bool, "version":
// "3.1", "errors": [...]}; a valid document also has every local $ref
// resolved (resolveRefs throws on a dangling one).
import {Validator} from '@seriousme/openapi-schema-validator';

const validator = new Validator();
for(const file of process.argv.slice(2)) {
  const res = await validator.validate(file);
  const out = {file, valid: res.valid, version: validator.version};
  if(!res.valid) {
    out.errors = res.errors;
  } else {
    try {
      validator.resolveRefs();
    } catch(e) {
      out.valid = false;
      out.errors = [String(e && e.message || e)];
    }
  }
  console.log(JSON.stringify(out));
}
