//! A BERT forward pass in plain Rust, with the weights read out of the shipped
//! ONNX file at load time.
//!
//! Why this design: the shipped graph uses `MatMulNBits` (4-bit weights) and a
//! dynamic-shape attention mask, which tract could not run (see DESIGN.md), and
//! the repository keeps one set of weights. The architecture is a standard
//! BERT token classifier (6 layers, hidden 384, 12 heads, exact-erf GELU,
//! post-LayerNorm), so a direct implementation is short, has no unsupported
//! ops, and lets us skip padding entirely: sequences of a batch are stacked
//! into one `[tokens, hidden]` matrix for every matrix product, and attention
//! runs per sequence over its real length only.
//!
//! Weights: each `MatMulNBits` node (attrs `K`, `N`, `bits = 4`,
//! `block_size`; no zero-point input, so the zero point is 8) holds `B` as
//! `uint8 [N, K / block_size, block_size / 2]`, low nibble first, and one
//! scale per block; `W[n, k] = (nibble - 8) * scale`. We dequantize once at
//! load into fp32 `[K, N]` (about 50 MB in memory). Embeddings are
//! `DequantizeLinear` of 8-bit tables: `(q - zero_point) * scale`.
//!
//! An int8 graph from `quantize_dynamic` (`DynamicQuantizeLinear` +
//! `MatMulInteger`) keeps its weights as integers (about 11 MB) and runs its
//! matrix products in integers as ONNX Runtime does (see [`qgemm`]).
//!
//! Cost: about 21 MFLOP per token (plus attention, quadratic in window
//! length), spread over `threads` threads with rayon; fp32 matrix products
//! use `matrixmultiply`'s AVX2/FMA kernels, int8 ones our AVX2 kernel.

use super::qgemm::{self, QMatrix, round_ties_even};
use super::{Backend, BatchInput};
use crate::ner::labels::BertConfig;
use crate::ner::onnx_proto::{self, TensorProto};
use ndarray::{Array1, Array2, Array3, ArrayView1, ArrayView2, ArrayViewMut2, Axis, s};
use rayon::prelude::*;
use std::collections::HashMap;

struct Linear {
    w: Weight,
    b: Array1<f32>,
}

/// A matrix product's weight as the backend multiplies it.
enum Weight {
    /// fp32 `[in, out]` (a plain `MatMul`, or `MatMulNBits` dequantized at load).
    Float(Array2<f32>),
    /// `MatMulInteger`: the graph quantizes the product's input on the fly
    /// (`DynamicQuantizeLinear`); we do the same, per sequence, so that our
    /// results match ONNX Runtime's run one window at a time, and multiply
    /// in integers as it does ([`qgemm`]).
    Int8(QMatrix),
}

/// A weight as read from the graph, before packing: int8 weights stay
/// integers (`weight - zero_point`, `[K, N]`) with one scale per column, so
/// that Q, K and V can be joined into one product.
enum RawWeight {
    Float(Array2<f32>),
    Int8(Array2<i32>, Vec<f32>),
}

impl RawWeight {
    fn into_linear(self, b: Array1<f32>) -> Result<Linear, String> {
        let w = match self {
            RawWeight::Float(w) => Weight::Float(w),
            RawWeight::Int8(w, scale) => Weight::Int8(QMatrix::new(w.view(), scale)?),
        };
        Ok(Linear { w, b })
    }

    /// The three weights side by side (`[K, 3N]`), all of one kind.
    fn concat(parts: [RawWeight; 3]) -> Result<RawWeight, String> {
        let err = |e: ndarray::ShapeError| e.to_string();
        match parts {
            [
                RawWeight::Float(a),
                RawWeight::Float(b),
                RawWeight::Float(c),
            ] => Ok(RawWeight::Float(
                ndarray::concatenate(Axis(1), &[a.view(), b.view(), c.view()]).map_err(err)?,
            )),
            [
                RawWeight::Int8(a, sa),
                RawWeight::Int8(b, sb),
                RawWeight::Int8(c, sc),
            ] => Ok(RawWeight::Int8(
                ndarray::concatenate(Axis(1), &[a.view(), b.view(), c.view()]).map_err(err)?,
                [sa, sb, sc].concat(),
            )),
            _ => Err("query, key and value weights are not quantized alike".into()),
        }
    }
}

struct LayerNorm {
    g: Array1<f32>,
    b: Array1<f32>,
}

struct Layer {
    qkv: Linear,
    attn_out: Linear,
    ln1: LayerNorm,
    ffn_in: Linear,
    ffn_out: Linear,
    ln2: LayerNorm,
}

/// A side branch for extra labels (see [`crate::ner::labels::BranchConfig`]).
struct Branch {
    /// Index of the base layer whose input the branch reads.
    from: usize,
    layers: Vec<Layer>,
    classifier: Linear,
}

/// The model's weights in fp32, and a thread pool to run them.
pub struct PureRustBackend {
    word: Array2<f32>,
    pos: Array2<f32>,
    token_type: Array2<f32>,
    emb_ln: LayerNorm,
    layers: Vec<Layer>,
    classifier: Linear,
    branch: Option<Branch>,
    heads: usize,
    hidden: usize,
    eps: f32,
    threads: usize,
    pool: rayon::ThreadPool,
}

/// Where a matrix product's weight lives in the graph.
enum WeightSource<'a> {
    /// `MatMulNBits`: (B, scales, K, N, block_size).
    NBits(&'a str, &'a str, usize, usize, usize),
    /// `MatMulInteger` from `quantize_dynamic`: (B int8 `[K, N]`, B zero point,
    /// B scale). The scale has one value per output column (per-channel) or one
    /// in all.
    Integer(&'a str, &'a str, String),
    /// A plain `MatMul` with an fp32 initializer `[K, N]`.
    Float(&'a str),
}

struct Graph<'a> {
    /// Initializers by name, with an exporter's module prefix (`m.`) removed.
    init: HashMap<&'a str, &'a TensorProto>,
    /// Normalized matrix-product output name (see [`matmul_key`]) -> weight.
    matmuls: HashMap<String, WeightSource<'a>>,
}

/// The name a matrix product is looked up by: its output name without the
/// exporter's scope prefix (`/m`, `/bert/encoder`, `/bert`) and without the
/// quantizer's `_output_quantized` suffix, e.g.
/// `/layer.0/attention/self/query/MatMul_output_0`.
fn matmul_key(output: &str) -> String {
    let s = output.strip_suffix("_output_quantized").unwrap_or(output);
    let s = if s.starts_with("/m/") { &s[2..] } else { s };
    let s = s
        .strip_prefix("/bert/encoder")
        .or_else(|| s.strip_prefix("/bert"))
        .unwrap_or(s);
    s.to_string()
}

impl<'a> Graph<'a> {
    fn new(model: &'a onnx_proto::ModelProto) -> Result<Graph<'a>, String> {
        let graph = model.graph.as_ref().ok_or("the model has no graph")?;
        let init: HashMap<&str, &TensorProto> = graph
            .initializer
            .iter()
            .map(|t| (t.name.strip_prefix("m.").unwrap_or(&t.name), t))
            .collect();
        let mut matmuls = HashMap::new();
        for node in &graph.node {
            let Some(out) = node.output.first() else {
                continue;
            };
            match node.op_type.as_str() {
                "MatMulNBits" => {
                    let attr = |name: &str| {
                        node.attribute
                            .iter()
                            .find(|a| a.name == name)
                            .map(|a| a.i as usize)
                    };
                    let (k, n) = (attr("K").unwrap_or(0), attr("N").unwrap_or(0));
                    let bits = attr("bits").unwrap_or(4);
                    let block = attr("block_size").unwrap_or(0);
                    if bits != 4 || block == 0 || !block.is_multiple_of(2) || k == 0 || n == 0 {
                        return Err(format!(
                            "unsupported MatMulNBits (bits {bits}, block {block})"
                        ));
                    }
                    if node.input.len() > 3 && node.input[3..].iter().any(|i| !i.is_empty()) {
                        return Err(
                            "MatMulNBits with zero points or group indices is not supported".into(),
                        );
                    }
                    let (Some(b), Some(sc)) = (node.input.get(1), node.input.get(2)) else {
                        return Err("MatMulNBits node without weights".into());
                    };
                    matmuls.insert(
                        matmul_key(out),
                        WeightSource::NBits(b.as_str(), sc.as_str(), k, n, block),
                    );
                }
                "MatMulInteger" => {
                    let (Some(b), Some(zp)) = (node.input.get(1), node.input.get(3)) else {
                        return Err("MatMulInteger node without a weight zero point".into());
                    };
                    if !init.contains_key(b.as_str()) {
                        continue; // both operands are activations
                    }
                    let scale = format!("{}_scale", b.strip_suffix("_quantized").unwrap_or(b));
                    matmuls.insert(
                        matmul_key(out),
                        WeightSource::Integer(b.as_str(), zp.as_str(), scale),
                    );
                }
                "MatMul" => {
                    if let Some(b) = node.input.get(1).filter(|b| init.contains_key(b.as_str())) {
                        matmuls.insert(matmul_key(out), WeightSource::Float(b.as_str()));
                    }
                }
                _ => {}
            }
        }
        Ok(Graph { init, matmuls })
    }

    fn tensor(&self, name: &str) -> Result<&'a TensorProto, String> {
        self.init
            .get(name)
            .copied()
            .ok_or_else(|| format!("initializer {name} not found"))
    }

    fn vector(&self, name: &str, len: usize) -> Result<Array1<f32>, String> {
        let v = self.tensor(name)?.to_f32()?;
        if v.len() != len {
            return Err(format!("{name} has {} values, expected {len}", v.len()));
        }
        Ok(Array1::from(v))
    }

    /// The LayerNorm `name` (`name.weight`, `name.bias`, length `len`).
    fn layer_norm(&self, name: &str, len: usize) -> Result<LayerNorm, String> {
        Ok(LayerNorm {
            g: self.vector(&format!("{name}.weight"), len)?,
            b: self.vector(&format!("{name}.bias"), len)?,
        })
    }

    /// The linear layer whose matrix product produces `output` (a
    /// [`matmul_key`]) and the bias `bias` (length `N`).
    fn linear(&self, output: &str, bias: &str, k: usize, n: usize) -> Result<Linear, String> {
        self.weight(output, k, n)?
            .into_linear(self.vector(bias, n)?)
    }

    /// The weight of the matrix product that produces `output` (a
    /// [`matmul_key`]), `[K, N]`: fp32 (4-bit weights dequantized) or int8.
    fn weight(&self, output: &str, k: usize, n: usize) -> Result<RawWeight, String> {
        match self.matmuls.get(output) {
            Some(&WeightSource::NBits(b, sc, wk, wn, block)) => {
                if (wk, wn) != (k, n) {
                    return Err(format!("{output} is {wk}x{wn}, expected {k}x{n}"));
                }
                Ok(RawWeight::Float(
                    self.nbits_weight(output, b, sc, k, n, block)?,
                ))
            }
            Some(WeightSource::Integer(b, zp, scale)) => {
                let q = self.tensor(b)?;
                let zp_t = self.tensor(zp)?;
                let scales = self.tensor(scale)?.to_f32()?;
                let zps = zp_t.to_u8()?;
                let bytes = q.to_u8()?;
                if bytes.len() != k * n
                    || !(scales.len() == n || scales.len() == 1)
                    || zps.len() != scales.len()
                {
                    return Err(format!("{output}: int8 weight is not {k}x{n}"));
                }
                let per_col = scales.len() == n;
                let mut w = Array2::<i32>::zeros((k, n));
                for (idx, (&byte, cell)) in bytes.iter().zip(w.iter_mut()).enumerate() {
                    let c = if per_col { idx % n } else { 0 };
                    *cell = q.int8_value(byte) - zp_t.int8_value(zps[c]);
                }
                let scale = if per_col { scales } else { vec![scales[0]; n] };
                Ok(RawWeight::Int8(w, scale))
            }
            Some(WeightSource::Float(b)) => {
                let v = self.tensor(b)?.to_f32()?;
                Array2::from_shape_vec((k, n), v)
                    .map(RawWeight::Float)
                    .map_err(|_| format!("{output}: fp32 weight is not {k}x{n}"))
            }
            None => Err(format!("no matrix product produces {output}")),
        }
    }

    /// Dequantizes a `MatMulNBits` weight into `[K, N]`.
    fn nbits_weight(
        &self,
        output: &str,
        b: &str,
        sc: &str,
        k: usize,
        n: usize,
        block: usize,
    ) -> Result<Array2<f32>, String> {
        let packed = self.tensor(b)?.to_u8()?;
        let scales = self.tensor(sc)?.to_f32()?;
        let blocks = k.div_ceil(block);
        let blob = block / 2;
        if packed.len() != n * blocks * blob || scales.len() != n * blocks {
            return Err(format!(
                "{output}: weight blob sizes do not match K={k}, N={n}"
            ));
        }
        let mut w = Array2::<f32>::zeros((k, n));
        for col in 0..n {
            for blk in 0..blocks {
                let scale = scales[col * blocks + blk];
                let base = (col * blocks + blk) * blob;
                for j in 0..block {
                    let row = blk * block + j;
                    if row >= k {
                        break;
                    }
                    let byte = packed[base + j / 2];
                    let nib = if j % 2 == 0 { byte & 0x0f } else { byte >> 4 };
                    w[[row, col]] = (nib as f32 - 8.0) * scale;
                }
            }
        }
        Ok(w)
    }

    /// An embedding table: fp32, or 8-bit with scalar scale and zero point.
    fn embedding(&self, base: &str, rows: usize, cols: usize) -> Result<Array2<f32>, String> {
        let values = if let Some(t) = self.init.get(format!("{base}.weight").as_str()) {
            t.to_f32()?
        } else {
            let q = self.tensor(&format!("{base}.weight_quantized"))?;
            let scale = self.tensor(&format!("{base}.weight_scale"))?.to_f32()?;
            let zp_t = self.tensor(&format!("{base}.weight_zero_point"))?;
            let zp = zp_t.to_u8()?;
            let (Some(&scale), Some(&zp)) = (scale.first(), zp.first()) else {
                return Err(format!("{base}: missing scale or zero point"));
            };
            let zp = zp_t.int8_value(zp);
            q.to_u8()?
                .iter()
                .map(|&b| (q.int8_value(b) - zp) as f32 * scale)
                .collect()
        };
        Array2::from_shape_vec((rows, cols), values)
            .map_err(|_| format!("{base} is not {rows}x{cols}"))
    }
}

impl PureRustBackend {
    /// Reads the weights out of the ONNX model bytes. `threads` is the number of
    /// worker threads used for one forward pass.
    pub fn load(model: &[u8], cfg: &BertConfig, threads: usize) -> Result<PureRustBackend, String> {
        if cfg.hidden_act != "gelu" {
            return Err(format!("activation {} is not supported", cfg.hidden_act));
        }
        let h = cfg.hidden_size;
        let ff = cfg.intermediate_size;
        if cfg.num_attention_heads == 0 || !h.is_multiple_of(cfg.num_attention_heads) {
            return Err("hidden size is not a multiple of the head count".into());
        }
        let proto = onnx_proto::decode_model(model)?;
        let g = Graph::new(&proto)?;
        let layers = (0..cfg.num_hidden_layers)
            .map(|i| {
                load_layer(
                    &g,
                    &format!("/layer.{i}"),
                    &format!("bert.encoder.layer.{i}"),
                    h,
                    ff,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let labels = cfg.id2label.len();
        // with a branch, the base head predicts the labels before the branch's extra ones
        let mut extra = 0;
        let branch = match &cfg.anonymist_branch {
            None => None,
            Some(b) => {
                extra = b.labels.len().saturating_sub(1);
                if b.labels.first().map(String::as_str) != Some("O")
                    || extra == 0
                    || extra >= labels
                    || b.layers == 0
                    || b.from_layer >= cfg.num_hidden_layers
                {
                    return Err("the config's anonymist_branch does not fit the model".into());
                }
                Some(Branch {
                    from: b.from_layer,
                    layers: (0..b.layers)
                        .map(|i| {
                            load_layer(&g, &format!("/branch.{i}"), &format!("branch.{i}"), h, ff)
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    classifier: g.linear(
                        "/branch_classifier/MatMul_output_0",
                        "branch_classifier.bias",
                        h,
                        b.labels.len(),
                    )?,
                })
            }
        };
        let classifier = g.linear(
            "/classifier/MatMul_output_0",
            "classifier.bias",
            h,
            labels - extra,
        )?;
        let threads = threads.max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("anonymist-ner-{i}"))
            .build()
            .map_err(|e| format!("cannot start worker threads: {e}"))?;
        Ok(PureRustBackend {
            word: g.embedding("bert.embeddings.word_embeddings", cfg.vocab_size, h)?,
            pos: g.embedding(
                "bert.embeddings.position_embeddings",
                cfg.max_position_embeddings,
                h,
            )?,
            token_type: g.embedding("bert.embeddings.token_type_embeddings", 2, h)?,
            emb_ln: g.layer_norm("bert.embeddings.LayerNorm", h)?,
            layers,
            classifier,
            branch,
            heads: cfg.num_attention_heads,
            hidden: h,
            eps: cfg.layer_norm_eps as f32,
            threads,
            pool,
        })
    }

    /// `out = a · w + b` (+ `residual` if given), rows split across threads.
    /// `starts` holds each sequence's `(first row, rows)`.
    fn linear(
        &self,
        a: ArrayView2<'_, f32>,
        lin: &Linear,
        residual: Option<ArrayView2<'_, f32>>,
        starts: &[(usize, usize)],
    ) -> Array2<f32> {
        let m = a.nrows();
        let n = match &lin.w {
            Weight::Float(w) => w.ncols(),
            Weight::Int8(q) => q.cols(),
        };
        let mut out = Array2::<f32>::zeros((m, n));
        let chunk = if self.threads > 1 && m >= 16 {
            m.div_ceil(self.threads)
        } else {
            m.max(1)
        };
        let parts: Vec<_> = out
            .axis_chunks_iter_mut(Axis(0), chunk)
            .enumerate()
            .collect();
        match &lin.w {
            Weight::Float(w) => {
                let work = |(i, mut o): (usize, ArrayViewMut2<'_, f32>)| {
                    let rows = a.slice(s![i * chunk..i * chunk + o.nrows(), ..]);
                    ndarray::linalg::general_mat_mul(1.0, &rows, w, 0.0, &mut o);
                    for mut row in o.rows_mut() {
                        row += &lin.b;
                    }
                };
                run_parts(parts, work);
            }
            Weight::Int8(q) => {
                debug_assert_eq!(a.ncols(), q.rows());
                let quantized = qgemm::quantize_sequences(a, starts, q.padded_k());
                let work = |(i, o): (usize, ArrayViewMut2<'_, f32>)| {
                    q.product(quantized.slice(i * chunk, o.nrows()), lin.b.view(), o);
                };
                run_parts(parts, work);
            }
        }
        if let Some(r) = residual {
            out += &r;
        }
        out
    }

    fn layer_norm(&self, x: &mut Array2<f32>, ln: &LayerNorm) {
        let n = x.ncols() as f32;
        for mut row in x.rows_mut() {
            let mean = row.sum() / n;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
            let inv = 1.0 / (var + self.eps).sqrt();
            for ((v, g), b) in row.iter_mut().zip(&ln.g).zip(&ln.b) {
                *v = (*v - mean) * inv * g + b;
            }
        }
    }

    /// Self-attention over each sequence's own tokens. `qkv` is `[T, 3H]`.
    fn attention(&self, qkv: &Array2<f32>, starts: &[(usize, usize)]) -> Array2<f32> {
        let h = self.hidden;
        let d = h / self.heads;
        let scale = 1.0 / (d as f32).sqrt();
        let tasks: Vec<(usize, usize)> = (0..starts.len())
            .flat_map(|b| (0..self.heads).map(move |hd| (b, hd)))
            .collect();
        let results: Vec<(usize, usize, Array2<f32>)> = tasks
            .into_par_iter()
            .map(|(b, hd)| {
                let (start, len) = starts[b];
                let rows = start..start + len;
                let q = qkv.slice(s![rows.clone(), hd * d..(hd + 1) * d]);
                let k = qkv.slice(s![rows.clone(), h + hd * d..h + (hd + 1) * d]);
                let v = qkv.slice(s![rows, 2 * h + hd * d..2 * h + (hd + 1) * d]);
                let mut scores = q.dot(&k.t());
                for mut row in scores.rows_mut() {
                    let row = row
                        .as_slice_mut()
                        .expect("a fresh product has contiguous rows");
                    softmax(row, scale);
                }
                (b, hd, scores.dot(&v))
            })
            .collect();
        let mut ctx = Array2::<f32>::zeros((qkv.nrows(), h));
        for (b, hd, part) in results {
            let (start, len) = starts[b];
            ctx.slice_mut(s![start..start + len, hd * d..(hd + 1) * d])
                .assign(&part);
        }
        ctx
    }

    /// Logits `[T, labels]` for the stacked sequences.
    fn forward(&self, input: &BatchInput) -> Result<Array2<f32>, String> {
        let total: usize = input.lens.iter().sum();
        let mut starts = Vec::with_capacity(input.lens.len());
        let mut x = Array2::<f32>::zeros((total, self.hidden));
        let mut t = 0;
        for (b, &len) in input.lens.iter().enumerate() {
            if len > self.pos.nrows() {
                return Err(format!(
                    "window of {len} tokens exceeds {} positions",
                    self.pos.nrows()
                ));
            }
            starts.push((t, len));
            for p in 0..len {
                let id = input.ids[[b, p]];
                let ty = input.type_ids[[b, p]];
                if id < 0
                    || id as usize >= self.word.nrows()
                    || ty < 0
                    || ty as usize >= self.token_type.nrows()
                {
                    return Err("token id out of range".into());
                }
                let mut row = x.row_mut(t);
                row.assign(&self.word.row(id as usize));
                row += &self.pos.row(p);
                row += &self.token_type.row(ty as usize);
                t += 1;
            }
        }
        self.layer_norm(&mut x, &self.emb_ln);
        let mut branch_input = None;
        for (i, layer) in self.layers.iter().enumerate() {
            if self.branch.as_ref().is_some_and(|b| b.from == i) {
                branch_input = Some(x.clone());
            }
            x = self.layer(x, layer, &starts);
        }
        let old = self.linear(x.view(), &self.classifier, None, &starts);
        match (&self.branch, branch_input) {
            (Some(branch), Some(mut hb)) => {
                for layer in &branch.layers {
                    hb = self.layer(hb, layer, &starts);
                }
                let new = self.linear(hb.view(), &branch.classifier, None, &starts);
                Ok(join_logits(&old, &new))
            }
            _ => Ok(old),
        }
    }

    /// One encoder layer: attention, add and norm, feed-forward, add and norm.
    fn layer(&self, x: Array2<f32>, layer: &Layer, starts: &[(usize, usize)]) -> Array2<f32> {
        let qkv = self.linear(x.view(), &layer.qkv, None, starts);
        let ctx = self.attention(&qkv, starts);
        let mut a = self.linear(ctx.view(), &layer.attn_out, Some(x.view()), starts);
        self.layer_norm(&mut a, &layer.ln1);
        let mut f = self.linear(a.view(), &layer.ffn_in, None, starts);
        let width = f.ncols().max(1);
        if let Some(flat) = f.as_slice_mut() {
            flat.par_chunks_mut(width * 16).for_each(gelu_slice);
        } else {
            f.mapv_inplace(gelu);
        }
        let mut o = self.linear(f.view(), &layer.ffn_out, Some(a.view()), starts);
        self.layer_norm(&mut o, &layer.ln2);
        o
    }
}

/// `row = softmax(row · scale)` in place, on plain slices with lane-wise
/// maximum and sum so that the compiler vectorizes all three passes; on a CPU
/// with AVX2 the same code runs 8 lanes wide instead of SSE2's 4 (same
/// results: no FMA contraction happens without `mul_add`). The exp pass is a
/// fifth of a long window's run.
fn softmax(row: &mut [f32], scale: f32) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was detected at run time just above.
        unsafe { softmax_avx2(row, scale) };
        return;
    }
    softmax_lanes(row, scale);
}

/// [`softmax_lanes`] compiled for AVX2.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn softmax_avx2(row: &mut [f32], scale: f32) {
    softmax_lanes(row, scale);
}

#[inline(always)]
fn softmax_lanes(row: &mut [f32], scale: f32) {
    const LANES: usize = 8;
    let mut m = [f32::NEG_INFINITY; LANES];
    let mut chunks = row.chunks_exact(LANES);
    for c in &mut chunks {
        for k in 0..LANES {
            m[k] = if c[k] > m[k] { c[k] } else { m[k] };
        }
    }
    let max = chunks
        .remainder()
        .iter()
        .chain(&m)
        .fold(f32::NEG_INFINITY, |a, &b| a.max(b))
        * scale;
    let mut sums = [0f32; LANES];
    let mut chunks = row.chunks_exact_mut(LANES);
    for c in &mut chunks {
        for k in 0..LANES {
            c[k] = exp(c[k] * scale - max);
            sums[k] += c[k];
        }
    }
    let mut sum: f32 = 0.0;
    for v in chunks.into_remainder() {
        *v = exp(*v * scale - max);
        sum += *v;
    }
    let sum = sums.iter().sum::<f32>() + sum;
    let inv = 1.0 / sum;
    for v in row.iter_mut() {
        *v *= inv;
    }
}

/// The graph's join of the base head's logits and the branch head's (see
/// [`crate::ner::labels::BranchConfig`]): `[lo[0] + ln[0], lo[1..], lo[0] + ln[1..]]`.
/// The old labels keep the base model's probabilities; the new ones share out
/// the base model's `O`.
fn join_logits(old: &Array2<f32>, new: &Array2<f32>) -> Array2<f32> {
    let (rows, n_old, n_new) = (old.nrows(), old.ncols(), new.ncols());
    let mut out = Array2::<f32>::zeros((rows, n_old + n_new - 1));
    for ((o, n), mut dst) in old.rows().into_iter().zip(new.rows()).zip(out.rows_mut()) {
        let (lo, ln) = (log_softmax(o), log_softmax(n));
        dst[0] = lo[0] + ln[0];
        for (d, l) in dst.iter_mut().zip(&lo).skip(1) {
            *d = *l;
        }
        for (d, l) in dst.iter_mut().skip(n_old).zip(ln.iter().skip(1)) {
            *d = lo[0] + l;
        }
    }
    out
}

fn log_softmax(row: ArrayView1<'_, f32>) -> Vec<f32> {
    let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let sum: f32 = row.iter().map(|v| (v - max).exp()).sum();
    let log_sum = max + sum.ln();
    row.iter().map(|v| v - log_sum).collect()
}

/// One encoder layer's weights, by the exporter's names: matrix products
/// under `node` (`/layer.0`), biases and norms under `init` (`bert.encoder.layer.0`).
fn load_layer(g: &Graph<'_>, node: &str, init: &str, h: usize, ff: usize) -> Result<Layer, String> {
    let part = |name: &str| {
        Ok::<_, String>((
            g.weight(
                &format!("{node}/attention/self/{name}/MatMul_output_0"),
                h,
                h,
            )?,
            g.vector(&format!("{init}.attention.self.{name}.bias"), h)?,
        ))
    };
    let (q, k, v) = (part("query")?, part("key")?, part("value")?);
    let bias = ndarray::concatenate(Axis(0), &[q.1.view(), k.1.view(), v.1.view()])
        .map_err(|e| e.to_string())?;
    Ok(Layer {
        qkv: RawWeight::concat([q.0, k.0, v.0])?.into_linear(bias)?,
        attn_out: g.linear(
            &format!("{node}/attention/output/dense/MatMul_output_0"),
            &format!("{init}.attention.output.dense.bias"),
            h,
            h,
        )?,
        ln1: g.layer_norm(&format!("{init}.attention.output.LayerNorm"), h)?,
        ffn_in: g.linear(
            &format!("{node}/intermediate/dense/MatMul_output_0"),
            &format!("{init}.intermediate.dense.bias"),
            h,
            ff,
        )?,
        ffn_out: g.linear(
            &format!("{node}/output/dense/MatMul_output_0"),
            &format!("{init}.output.dense.bias"),
            ff,
            h,
        )?,
        ln2: g.layer_norm(&format!("{init}.output.LayerNorm"), h)?,
    })
}

/// Runs `work` on each part, on the current thread pool when there are
/// several.
fn run_parts<'a, F>(parts: Vec<(usize, ArrayViewMut2<'a, f32>)>, work: F)
where
    F: Fn((usize, ArrayViewMut2<'a, f32>)) + Sync + Send,
{
    if parts.len() > 1 {
        parts.into_par_iter().for_each(work);
    } else {
        parts.into_iter().for_each(work);
    }
}

/// [`gelu`] over a slice, 8 lanes wide on a CPU with AVX2 (see [`softmax`]).
fn gelu_slice(x: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was detected at run time just above.
        unsafe { gelu_avx2(x) };
        return;
    }
    x.iter_mut().for_each(|v| *v = gelu(*v));
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gelu_avx2(x: &mut [f32]) {
    x.iter_mut().for_each(|v| *v = gelu(*v));
}

/// GELU with the exact erf, as in the exported graph: `x/2 · (1 + erf(x/√2))`.
#[inline(always)]
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// `e^x` for the softmax (`x ≤ 0` there; clamped to `[-87, 88]`): Cephes'
/// `expf`, `2^n · e^r` with `n = round(x / ln 2)`, `|r| ≤ ln 2 / 2` and a
/// degree-5 polynomial for `e^r`. Within 2 ulp of `f32::exp`, without
/// branches or a libm call, so the softmax loop vectorizes.
#[inline(always)]
fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let n = round_ties_even(x * std::f32::consts::LOG2_E);
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let mut p = 1.987_569_1e-4_f32;
    for c in [
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        0.166_666_65,
        0.5,
    ] {
        p = p * r + c;
    }
    let er = p * r * r + r + 1.0;
    er * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

/// erf as a rational function of `x` on `[-4, 4]` (beyond, erf is ±1 in
/// f32): `x · p(x²) / q(x²)`, the single-precision fit Eigen and XLA use.
/// Absolute error below 5e-7; no branch and no `exp`, so the GELU loop
/// vectorizes (the f64 `exp` it replaced cost about a fifth of a forward pass).
#[inline(always)]
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10_f32;
    for c in [
        2.770_681_4e-8,
        -2.101_024e-6,
        -5.692_506_4e-5,
        -7.349_906_3e-4,
        -2.954_600_3e-3,
        -1.609_603_3e-2,
    ] {
        p = p * x2 + c;
    }
    let mut q = -1.456_607_2e-5_f32;
    for c in [-2.133_740_6e-4, -1.682_827e-3, -7.373_329e-3, -1.426_474e-2] {
        q = q * x2 + c;
    }
    x * p / q
}

impl Backend for PureRustBackend {
    fn describe(&self) -> String {
        let from = if self
            .layers
            .first()
            .is_some_and(|l| matches!(l.qkv.w, Weight::Int8(_)))
        {
            "int8, activations quantized per window"
        } else {
            "fp32 from q4"
        };
        let branch = match &self.branch {
            Some(b) => format!(
                ", side branch of {} layers from layer {}",
                b.layers.len(),
                b.from
            ),
            None => String::new(),
        };
        format!("pure-rust bert ({from}{branch}, {} threads)", self.threads)
    }

    fn run(&self, input: &BatchInput) -> Result<Array3<f32>, String> {
        let logits = self.pool.install(|| self.forward(input))?;
        let labels = logits.ncols();
        let mut out = Array3::<f32>::zeros((input.batch(), input.seq_len(), labels));
        let mut t = 0;
        for (b, &len) in input.lens.iter().enumerate() {
            out.slice_mut(s![b, ..len, ..])
                .assign(&logits.slice(s![t..t + len, ..]));
            t += len;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_logits_keep_the_old_labels_and_share_out_o() {
        let old = ndarray::array![[0.0f32, 3.0, 1.0], [2.0, 0.5, 0.0], [1.0, 1.2, -2.0]];
        let new = ndarray::array![[4.0f32, 0.0, -1.0], [0.0, 3.0, 0.0], [-1.0, 3.0, 0.0]];
        let j = join_logits(&old, &new);
        assert_eq!(j.dim(), (3, 5));
        let argmax = |r: ndarray::ArrayView1<'_, f32>| {
            r.iter()
                .enumerate()
                .fold(
                    (0, f32::NEG_INFINITY),
                    |b, (i, &v)| if v > b.1 { (i, v) } else { b },
                )
                .0
        };
        for (r, (o, n)) in j
            .rows()
            .into_iter()
            .zip(old.rows().into_iter().zip(new.rows()))
        {
            let (lo, ln) = (log_softmax(o), log_softmax(n));
            // every old label keeps the base model's log-probability exactly
            assert_eq!(r[1], lo[1]);
            assert_eq!(r[2], lo[2]);
            // O and the new labels share out the base model's O
            assert!((r[0] - (lo[0] + ln[0])).abs() < 1e-6);
            assert!((r[3] - (lo[0] + ln[1])).abs() < 1e-6);
            // a probability distribution
            let total: f32 = r.iter().map(|v| v.exp()).sum();
            assert!((total - 1.0).abs() < 1e-5, "{total}");
        }
        // row 0: the base model's label 1 stands
        assert_eq!(argmax(j.row(0)), 1);
        // row 1: the base model says O, the branch its first extra label
        assert_eq!(argmax(j.row(1)), 3);
        // row 2: base label 1 is the base argmax (0.53); an extra label the
        // branch is sure of cannot take its probability away
        assert_eq!(argmax(j.row(2)), 1);
    }

    #[test]
    fn softmax_and_gelu_match_the_reference_on_every_path() {
        for len in [1usize, 7, 8, 9, 63, 510] {
            let row: Vec<f32> = (0..len)
                .map(|i| ((i * 7919) % 613) as f32 / 17.0 - 20.0)
                .collect();
            let mut fast = row.clone();
            softmax(&mut fast, 0.125);
            // the dispatching version (AVX2 here when the CPU has it) and
            // the plain one give the same bits
            let mut plain = row.clone();
            softmax_lanes(&mut plain, 0.125);
            assert_eq!(fast, plain, "len {len}");
            let max = row
                .iter()
                .fold(f64::NEG_INFINITY, |m, &v| m.max(v as f64 * 0.125));
            let e: Vec<f64> = row
                .iter()
                .map(|&v| (v as f64 * 0.125 - max).exp())
                .collect();
            let sum: f64 = e.iter().sum();
            for (f, r) in fast.iter().zip(&e) {
                assert!(
                    (*f as f64 - r / sum).abs() <= 1e-6 * (r / sum) + 1e-9,
                    "len {len}"
                );
            }
            let mut g = row.clone();
            gelu_slice(&mut g);
            for (a, &x) in g.iter().zip(&row) {
                assert_eq!(a.to_bits(), gelu(x).to_bits());
            }
        }
    }

    #[test]
    fn exp_matches_std_within_two_ulp() {
        let mut worst = 0f32;
        for i in 0..=870_000 {
            let x = -(i as f32) / 10_000.0;
            let (a, b) = (exp(x), x.exp());
            worst = worst.max((a - b).abs() / b);
        }
        assert!(worst < 2.5e-7, "max relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(-1e9) >= 0.0 && exp(-1e9) < 1e-37);
    }

    #[test]
    fn erf_matches_libm_closely() {
        let mut worst = 0f32;
        for i in -60_000..=60_000 {
            let x = i as f32 / 10_000.0;
            worst = worst.max((erf(x) - libm::erff(x)).abs());
        }
        assert!(worst < 5e-7, "max error {worst}");
    }
}
