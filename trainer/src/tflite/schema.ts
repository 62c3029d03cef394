/**
 * The subset of TensorFlow Lite's schema.fbs (tensorflow/lite/schema/schema.fbs, schema version 3)
 * this writer uses: table field slots (0-based, in declaration order; a union takes two slots,
 * its type then its value) and enum values. No npm package writes .tflite, hence this writer.
 */
export const TFLITE_FILE_IDENTIFIER = 'TFL3';
export const TFLITE_SCHEMA_VERSION = 3;

/** table Model */
export const Model = {
  version: 0,
  operator_codes: 1,
  subgraphs: 2,
  description: 3,
  buffers: 4,
  metadata_buffer: 5,
  metadata: 6,
  fields: 7,
} as const;
/** table OperatorCode: deprecated_builtin_code is a byte (codes < 127), builtin_code an int. */
export const OperatorCode = {
  deprecated_builtin_code: 0,
  custom_code: 1,
  version: 2,
  builtin_code: 3,
  fields: 4,
} as const;
/** table SubGraph */
export const SubGraph = { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4, fields: 5 } as const;
/** table Tensor */
export const Tensor = {
  shape: 0,
  type: 1,
  buffer: 2,
  name: 3,
  quantization: 4,
  is_variable: 5,
  sparsity: 6,
  shape_signature: 7,
  fields: 8,
} as const;
/** table QuantizationParameters: details is a union (slots 4, 5). */
export const QuantizationParameters = {
  min: 0,
  max: 1,
  scale: 2,
  zero_point: 3,
  details_type: 4,
  details: 5,
  quantized_dimension: 6,
  fields: 7,
} as const;
/** table Operator: builtin_options is a union (slots 3, 4). */
export const Operator = {
  opcode_index: 0,
  inputs: 1,
  outputs: 2,
  builtin_options_type: 3,
  builtin_options: 4,
  fields: 5,
} as const;
/** table Buffer { data: [ubyte] (force_align: 16) } */
export const Buffer = { data: 0, fields: 1 } as const;
/** table Metadata { name: string; buffer: uint } */
export const Metadata = { name: 0, buffer: 1, fields: 2 } as const;
/** table FullyConnectedOptions */
export const FullyConnectedOptions = {
  fused_activation_function: 0,
  weights_format: 1,
  keep_num_dims: 2,
  asymmetric_quantize_inputs: 3,
  fields: 4,
} as const;
/** table SoftmaxOptions { beta: float } — the schema default is 0, so beta = 1 must be written. */
export const SoftmaxOptions = { beta: 0, fields: 1 } as const;
/** table AddOptions { fused_activation_function; pot_scale_int16 } */
export const AddOptions = { fused_activation_function: 0, pot_scale_int16: 1, fields: 2 } as const;
/** table DivOptions { fused_activation_function } */
export const DivOptions = { fused_activation_function: 0, fields: 1 } as const;

/** enum TensorType : byte */
export const TensorType = { FLOAT32: 0, INT32: 2, UINT8: 3, INT8: 9 } as const;
/** enum BuiltinOperator */
export const BuiltinOperator = {
  ADD: 0,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  SOFTMAX: 25,
  DIV: 42,
  EXP: 47,
} as const;
/** union BuiltinOptions */
export const BuiltinOptions = {
  NONE: 0,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  AddOptions: 11,
  DivOptions: 29,
} as const;
/** enum ActivationFunctionType : byte */
export const ActivationFunctionType = { NONE: 0, RELU: 1 } as const;
