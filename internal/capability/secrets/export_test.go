package secrets

// Decode exposes the file decoder to the fuzz test.
var Decode = decode

// Encode exposes the file encoder to the fuzz test.
var Encode = encode
