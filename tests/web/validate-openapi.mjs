// validate-openapi.mjs FILE - validate an OpenAPI 3.x document with
// @apidevtools/swagger-parser (schema validation and $ref resolution).
// Prints "openapi: 1 passed, 0 failed" or the reason it is invalid.
import SwaggerParser from '@apidevtools/swagger-parser';

const file = process.argv[2];
try {
	const api = await SwaggerParser.validate(file);
	const n = Object.keys(api.paths).length;
	console.log(`ok   ${file}: OpenAPI ${api.openapi}, ${n} paths`);
	console.log('openapi: 1 passed, 0 failed');
} catch (e) {
	console.log(`FAIL ${file}: ${e.message}`);
	console.log('openapi: 0 passed, 1 failed');
	process.exit(1);
}
