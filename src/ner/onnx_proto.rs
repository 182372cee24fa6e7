//! The few ONNX protobuf messages the pure-Rust backend reads.
//!
//! Field numbers follow `onnx.proto` (ONNX IR version 10). Fields we do not
//! declare are skipped by the decoder, so this is enough to read the graph's
//! nodes, their attributes and the initializers (weights).

#![allow(missing_docs)]

use prost::Message;

#[derive(Clone, PartialEq, Message)]
pub struct ModelProto {
    #[prost(int64, tag = "1")]
    pub ir_version: i64,
    #[prost(message, optional, tag = "7")]
    pub graph: Option<GraphProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct GraphProto {
    #[prost(message, repeated, tag = "1")]
    pub node: Vec<NodeProto>,
    #[prost(message, repeated, tag = "5")]
    pub initializer: Vec<TensorProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct NodeProto {
    #[prost(string, repeated, tag = "1")]
    pub input: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    pub output: Vec<String>,
    #[prost(string, tag = "3")]
    pub name: String,
    #[prost(string, tag = "4")]
    pub op_type: String,
    #[prost(message, repeated, tag = "5")]
    pub attribute: Vec<AttributeProto>,
    #[prost(string, tag = "7")]
    pub domain: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct AttributeProto {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(float, tag = "2")]
    pub f: f32,
    #[prost(int64, tag = "3")]
    pub i: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct TensorProto {
    #[prost(int64, repeated, tag = "1")]
    pub dims: Vec<i64>,
    #[prost(int32, tag = "2")]
    pub data_type: i32,
    #[prost(float, repeated, tag = "4")]
    pub float_data: Vec<f32>,
    #[prost(int32, repeated, tag = "5")]
    pub int32_data: Vec<i32>,
    #[prost(int64, repeated, tag = "7")]
    pub int64_data: Vec<i64>,
    #[prost(string, tag = "8")]
    pub name: String,
    #[prost(bytes = "vec", tag = "9")]
    pub raw_data: Vec<u8>,
    #[prost(int32, tag = "14")]
    pub data_location: i32,
}

/// `TensorProto.DataType` values we read.
pub const FLOAT: i32 = 1;
/// `uint8`.
pub const UINT8: i32 = 2;
/// `int8`.
pub const INT8: i32 = 3;

impl TensorProto {
    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.dims.iter().map(|&d| d.max(0) as usize).product()
    }

    /// The values as f32 (FLOAT tensors only).
    pub fn to_f32(&self) -> Result<Vec<f32>, String> {
        if self.data_type != FLOAT {
            return Err(format!("{} is not a float tensor", self.name));
        }
        let v: Vec<f32> = if !self.raw_data.is_empty() {
            self.raw_data
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        } else {
            self.float_data.clone()
        };
        if v.len() != self.numel() {
            return Err(format!(
                "{} has {} values for shape {:?}",
                self.name,
                v.len(),
                self.dims
            ));
        }
        Ok(v)
    }

    /// The values as raw bytes (UINT8/INT8 tensors), reinterpreted as u8.
    pub fn to_u8(&self) -> Result<Vec<u8>, String> {
        if self.data_type != UINT8 && self.data_type != INT8 {
            return Err(format!("{} is not an 8-bit tensor", self.name));
        }
        let v: Vec<u8> = if !self.raw_data.is_empty() {
            self.raw_data.clone()
        } else {
            self.int32_data.iter().map(|&x| x as u8).collect()
        };
        if v.len() != self.numel() {
            return Err(format!(
                "{} has {} values for shape {:?}",
                self.name,
                v.len(),
                self.dims
            ));
        }
        Ok(v)
    }

    /// Reads an 8-bit value as the signed or unsigned integer it stands for.
    pub fn int8_value(&self, byte: u8) -> i32 {
        if self.data_type == INT8 {
            byte as i8 as i32
        } else {
            byte as i32
        }
    }
}

/// Decodes a model file.
pub fn decode_model(bytes: &[u8]) -> Result<ModelProto, String> {
    ModelProto::decode(bytes).map_err(|e| format!("not an ONNX model: {e}"))
}
