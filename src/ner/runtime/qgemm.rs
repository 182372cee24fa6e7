//! Integer matrix products for int8 models, as ONNX Runtime runs the graph
//! that `quantize_dynamic` writes: `DynamicQuantizeLinear` turns the
//! activations into uint8 with one scale and zero point (here per sequence:
//! the engine runs ONNX Runtime one window at a time), `MatMulInteger`
//! multiplies them with the int8 weights into exact i32 sums, and the sums are
//! scaled back to f32 (`float(sum) · (a_scale · w_scale)`, then the bias).
//!
//! Why integers and not the dequantized fp32 weights: the products are exact,
//! so the pure-Rust backend computes the same sums as ONNX Runtime instead of
//! sums that differ in the last bits; a uint8 × int8 product does 32
//! multiply-adds per AVX2 instruction pair where fp32 FMA does 8; and the
//! weights stay at one byte each in memory.
//!
//! The AVX2 kernel multiplies with `vpmaddubsw`, which adds two u8 × i8
//! products into a saturating i16: exact while `|w| ≤ 64` (2 · 255 · 64 =
//! 32,640). `scripts/train/quantize.py` writes 7-bit weights (`reduce_range`)
//! for exactly this reason; a model with larger weights runs through the
//! portable kernel, which sums in i32 and is exact for any int8 weight.

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2};

/// Columns per packed block, and k values per 32-bit lane.
const COLS: usize = 16;
const KGROUP: usize = 4;

/// An int8 weight `[K, N]` (zero point already taken off) packed for the
/// kernels, with one scale per output column.
pub(super) struct QMatrix {
    k: usize,
    n: usize,
    /// `k` rounded up to a multiple of [`KGROUP`]; rows of quantized
    /// activations are this long.
    kp: usize,
    /// For each block of [`COLS`] columns, for each group of [`KGROUP`] k
    /// values, the block's columns, each with its `KGROUP` values:
    /// `packed[((block · kp/4 + g) · 16 + c) · 4 + j] = w[4g + j, 16·block + c]`,
    /// zero outside the matrix.
    packed: Vec<i8>,
    /// `Σ_k w[k, c]`, to take the activations' zero point off the sums.
    col_sum: Vec<i32>,
    scale: Vec<f32>,
    /// Every weight is within ±64, so the AVX2 kernel's i16 pair sums cannot
    /// saturate.
    fits_pairs: bool,
}

impl QMatrix {
    /// `w` holds `weight - zero_point` per element; `scale` one value per
    /// column.
    pub(super) fn new(w: ArrayView2<'_, i32>, scale: Vec<f32>) -> Result<QMatrix, String> {
        let (k, n) = w.dim();
        if k == 0 || n == 0 {
            return Err(format!("an empty {k}x{n} int8 weight"));
        }
        if scale.len() != n {
            return Err(format!("{} scales for {n} columns", scale.len()));
        }
        if w.iter().any(|&v| !(-128..=127).contains(&v)) {
            return Err("an int8 weight minus its zero point does not fit in 8 bits".into());
        }
        let kp = k.div_ceil(KGROUP) * KGROUP;
        let blocks = n.div_ceil(COLS);
        let mut packed = vec![0i8; blocks * kp * COLS];
        for ((r, c), &v) in w.indexed_iter() {
            let (block, col) = (c / COLS, c % COLS);
            let (g, j) = (r / KGROUP, r % KGROUP);
            packed[((block * (kp / KGROUP) + g) * COLS + col) * KGROUP + j] = v as i8;
        }
        let col_sum = w.columns().into_iter().map(|col| col.sum()).collect();
        let fits_pairs = w.iter().all(|&v| (-64..=64).contains(&v));
        Ok(QMatrix {
            k,
            n,
            kp,
            packed,
            col_sum,
            scale,
            fits_pairs,
        })
    }

    pub(super) fn rows(&self) -> usize {
        self.k
    }

    pub(super) fn cols(&self) -> usize {
        self.n
    }

    /// The length of a quantized activation row: `k` padded to a multiple
    /// of 4 ([`quantize_sequences`]'s `kp`).
    pub(super) fn padded_k(&self) -> usize {
        self.kp
    }

    /// `out[r, c] = float(Σ_k (a[r, k] - zp[r]) · w[k, c]) · (a_scale[r] · scale[c]) + bias[c]`
    /// for the rows of `a` (all of them: `out` has as many rows).
    pub(super) fn product(
        &self,
        a: QuantRowsRef<'_>,
        bias: ArrayView1<'_, f32>,
        mut out: ArrayViewMut2<'_, f32>,
    ) {
        assert_eq!(a.kp, self.kp, "activation rows do not fit the weight");
        assert_eq!(out.dim(), (a.rows(), self.n), "output does not fit");
        let groups = self.kp / KGROUP;
        let block_len = groups * COLS * KGROUP;
        #[cfg(target_arch = "x86_64")]
        let avx2 = self.fits_pairs && std::is_x86_feature_detected!("avx2");
        let mut acc = [[0i32; COLS]; 4];
        for (block, w) in self.packed.chunks_exact(block_len).enumerate() {
            let c0 = block * COLS;
            let width = COLS.min(self.n - c0);
            for r0 in (0..a.rows()).step_by(4) {
                let rows = 4.min(a.rows() - r0);
                let a_rows = &a.data[r0 * self.kp..(r0 + rows) * self.kp];
                #[cfg(target_arch = "x86_64")]
                if avx2 {
                    // SAFETY: AVX2 was detected at run time, `a_rows` holds
                    // `rows` rows of `kp` bytes, `w` one packed block, and
                    // every weight is within ±64 (`fits_pairs`).
                    unsafe {
                        match rows {
                            4 => block_avx2::<4>(a_rows, self.kp, w, &mut acc),
                            3 => block_avx2::<3>(a_rows, self.kp, w, &mut acc),
                            2 => block_avx2::<2>(a_rows, self.kp, w, &mut acc),
                            _ => block_avx2::<1>(a_rows, self.kp, w, &mut acc),
                        }
                    }
                } else {
                    block_portable(a_rows, rows, self.kp, w, &mut acc);
                }
                #[cfg(not(target_arch = "x86_64"))]
                block_portable(a_rows, rows, self.kp, w, &mut acc);
                for (i, sums) in acc.iter().enumerate().take(rows) {
                    let r = r0 + i;
                    let (zp, sa) = (a.zero_point[r], a.scale[r]);
                    let mut row = out.row_mut(r);
                    for c in 0..width {
                        let exact = sums[c] - zp * self.col_sum[c0 + c];
                        row[c0 + c] = exact as f32 * (sa * self.scale[c0 + c]) + bias[c0 + c];
                    }
                }
            }
        }
    }
}

/// Plain i32 sums over the packed layout: exact for every int8 weight.
fn block_portable(a: &[u8], rows: usize, kp: usize, w: &[i8], acc: &mut [[i32; COLS]; 4]) {
    for (i, sums) in acc.iter_mut().enumerate().take(rows) {
        let row = &a[i * kp..(i + 1) * kp];
        *sums = [0; COLS];
        for (g, wg) in w.chunks_exact(COLS * KGROUP).enumerate() {
            let av = &row[g * KGROUP..(g + 1) * KGROUP];
            for (c, wc) in wg.chunks_exact(KGROUP).enumerate() {
                sums[c] += av
                    .iter()
                    .zip(wc)
                    .map(|(&x, &y)| x as i32 * y as i32)
                    .sum::<i32>();
            }
        }
    }
}

/// `R` rows × 16 columns: per group of 4 k values, each row's 4 activation
/// bytes are broadcast to every lane, `vpmaddubsw` multiplies them with the 4
/// weights of 8 columns at once (pairs summed into i16), `vpmaddwd` with ones
/// sums the pairs into i32 lanes, one lane per column.
///
/// # Safety
/// The CPU must support AVX2; `a` holds `R` rows of `kp` bytes and `w` one
/// packed block (`kp · 16` bytes); every weight is within ±64.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn block_avx2<const R: usize>(a: &[u8], kp: usize, w: &[i8], acc: &mut [[i32; COLS]; 4]) {
    use std::arch::x86_64::{
        __m256i, _mm256_add_epi32, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_maddubs_epi16,
        _mm256_set1_epi16, _mm256_set1_epi32, _mm256_setzero_si256, _mm256_storeu_si256,
    };
    assert!(a.len() >= R * kp && w.len() >= kp * COLS && kp.is_multiple_of(KGROUP));
    let ones = _mm256_set1_epi16(1);
    let mut lo = [_mm256_setzero_si256(); R];
    let mut hi = [_mm256_setzero_si256(); R];
    let (ap, wp) = (a.as_ptr(), w.as_ptr());
    for g in 0..kp / KGROUP {
        // SAFETY: g · 64 + 64 ≤ kp · 16 = w.len() (checked above); unaligned
        // loads are allowed.
        let (w0, w1) = unsafe {
            let p = wp.add(g * COLS * KGROUP);
            (
                _mm256_loadu_si256(p.cast::<__m256i>()),
                _mm256_loadu_si256(p.add(32).cast::<__m256i>()),
            )
        };
        for r in 0..R {
            // SAFETY: r · kp + 4g + 4 ≤ R · kp ≤ a.len() (checked above).
            let quad = unsafe { ap.add(r * kp + g * KGROUP).cast::<i32>().read_unaligned() };
            let x = _mm256_set1_epi32(quad);
            lo[r] = _mm256_add_epi32(lo[r], _mm256_madd_epi16(_mm256_maddubs_epi16(x, w0), ones));
            hi[r] = _mm256_add_epi32(hi[r], _mm256_madd_epi16(_mm256_maddubs_epi16(x, w1), ones));
        }
    }
    for r in 0..R {
        // SAFETY: each row of `acc` holds 16 i32, two 256-bit stores.
        unsafe {
            let p = acc[r].as_mut_ptr().cast::<__m256i>();
            _mm256_storeu_si256(p, lo[r]);
            _mm256_storeu_si256(p.add(1), hi[r]);
        }
    }
}

/// Activations quantized to uint8 rows of `kp` bytes (zero-padded), with
/// each row's scale and zero point (those of its sequence).
pub(super) struct QuantRows {
    data: Vec<u8>,
    kp: usize,
    scale: Vec<f32>,
    zero_point: Vec<i32>,
}

impl QuantRows {
    /// Rows `start..start + len`, a view the kernels can take.
    pub(super) fn slice(&self, start: usize, len: usize) -> QuantRowsRef<'_> {
        QuantRowsRef {
            data: &self.data[start * self.kp..(start + len) * self.kp],
            kp: self.kp,
            scale: &self.scale[start..start + len],
            zero_point: &self.zero_point[start..start + len],
        }
    }
}

/// A run of rows of [`QuantRows`].
pub(super) struct QuantRowsRef<'a> {
    data: &'a [u8],
    kp: usize,
    scale: &'a [f32],
    zero_point: &'a [i32],
}

impl QuantRowsRef<'_> {
    fn rows(&self) -> usize {
        self.scale.len()
    }
}

/// ONNX `DynamicQuantizeLinear` for one block of values (here a sequence):
/// `scale = (max(0, max) - min(0, min)) / 255`, `zero_point =
/// round(-min / scale)` and `q = clamp(round(x / scale) + zero_point, 0, 255)`,
/// rounding half to even. A block of zeros gets scale 0 and zero point 0; a
/// block holding NaN or infinity gets scale NaN, so that every product of
/// its rows is NaN and the detector fails instead of reading garbage.
fn quant_params(x: &[f32]) -> (f32, f32) {
    const LANES: usize = 16;
    let mut lo = [0f32; LANES];
    let mut hi = [0f32; LANES];
    let mut bad = [false; LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        for k in 0..LANES {
            lo[k] = if c[k] < lo[k] { c[k] } else { lo[k] };
            hi[k] = if c[k] > hi[k] { c[k] } else { hi[k] };
            bad[k] |= !c[k].is_finite();
        }
    }
    for &v in chunks.remainder() {
        lo[0] = lo[0].min(v);
        hi[0] = hi[0].max(v);
        bad[0] |= !v.is_finite();
    }
    if bad.contains(&true) {
        return (f32::NAN, 0.0);
    }
    let lo = lo.iter().fold(0f32, |m, &v| m.min(v));
    let hi = hi.iter().fold(0f32, |m, &v| m.max(v));
    let scale = (hi - lo) / 255.0;
    if scale == 0.0 {
        return (0.0, 0.0);
    }
    (scale, round_ties_even(-lo / scale).clamp(0.0, 255.0))
}

/// Quantizes `x` into `out` with [`quant_params`]' scale and zero point,
/// 8 lanes wide on a CPU with AVX2 (same results).
fn quantize_into(x: &[f32], scale: f32, zp: f32, out: &mut [u8]) {
    if scale == 0.0 {
        out.fill(0);
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was detected at run time just above.
        unsafe { quantize_avx2(x, scale, zp, out) };
        return;
    }
    quantize_lanes(x, scale, zp, out);
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn quantize_avx2(x: &[f32], scale: f32, zp: f32, out: &mut [u8]) {
    quantize_lanes(x, scale, zp, out);
}

#[inline(always)]
fn quantize_lanes(x: &[f32], scale: f32, zp: f32, out: &mut [u8]) {
    for (q, &v) in out.iter_mut().zip(x) {
        *q = (round_ties_even(v / scale) + zp).clamp(0.0, 255.0) as u8;
    }
}

/// Each sequence of `a` (`starts`: first row, rows) quantized with its own
/// scale and zero point into rows of `kp` bytes; the rounding pass runs on
/// the current thread pool when there is enough of it.
pub(super) fn quantize_sequences(
    a: ArrayView2<'_, f32>,
    starts: &[(usize, usize)],
    kp: usize,
) -> QuantRows {
    use rayon::prelude::*;
    let a = a.as_standard_layout();
    let (m, k) = a.dim();
    let flat = a.as_slice().expect("standard layout");
    let mut scale = vec![0f32; m];
    let mut zero_point = vec![0i32; m];
    for &(start, len) in starts {
        let (s, z) = quant_params(&flat[start * k..(start + len) * k]);
        scale[start..start + len].fill(s);
        zero_point[start..start + len].fill(z as i32);
    }
    let mut data = vec![0u8; m * kp];
    let work = |(r, row): (usize, &mut [u8])| {
        let zp = zero_point[r] as f32;
        quantize_into(&flat[r * k..(r + 1) * k], scale[r], zp, &mut row[..k]);
    };
    if m * k >= 8 * 4096 {
        data.par_chunks_mut(kp).enumerate().for_each(work);
    } else {
        data.chunks_mut(kp).enumerate().for_each(work);
    }
    QuantRows {
        data,
        kp,
        scale,
        zero_point,
    }
}

/// Round half to even for `|y| ≤ 2^22` (here at most 255 plus a zero point):
/// adding and subtracting 1.5 · 2^23 leaves no fraction bits, and the FPU's
/// default mode rounds the sum half to even. Larger values are returned
/// as they are (they are integers already). Written this way because
/// `f32::round_ties_even` has no SSE2 instruction and becomes a libm call per
/// element.
#[inline(always)]
pub(super) fn round_ties_even(y: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0;
    if y.abs() < 4_194_304.0 {
        (y + MAGIC) - MAGIC
    } else {
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// A deterministic pseudo-random sequence (no dependency needed).
    fn lcg(seed: &mut u64) -> u32 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*seed >> 33) as u32
    }

    /// The formula, in f64 from the integers, against `product`.
    fn check(k: usize, n: usize, seqs: &[usize], w_max: i32, seed: u64) {
        let mut s = seed;
        let w = Array2::from_shape_fn((k, n), |_| {
            (lcg(&mut s) % (2 * w_max as u32 + 1)) as i32 - w_max
        });
        let scale: Vec<f32> = (0..n).map(|c| 0.001 + c as f32 * 1e-4).collect();
        let bias = ndarray::Array1::from_shape_fn(n, |c| c as f32 * 0.5 - 3.0);
        let m: usize = seqs.iter().sum();
        let a = Array2::from_shape_fn((m, k), |_| (lcg(&mut s) % 20_000) as f32 / 1000.0 - 7.0);
        let mut starts = Vec::new();
        let mut t = 0;
        for &len in seqs {
            starts.push((t, len));
            t += len;
        }
        let qm = QMatrix::new(w.view(), scale.clone()).unwrap();
        let qa = quantize_sequences(a.view(), &starts, qm.padded_k());
        let mut out = Array2::<f32>::zeros((m, n));
        qm.product(qa.slice(0, m), bias.view(), out.view_mut());
        for r in 0..m {
            let row = &qa.data[r * qm.kp..r * qm.kp + k];
            for c in 0..n {
                let exact: i64 = (0..k)
                    .map(|i| (row[i] as i64 - qa.zero_point[r] as i64) * w[[i, c]] as i64)
                    .sum();
                let want = exact as f32 * (qa.scale[r] * scale[c]) + bias[c];
                assert_eq!(want.to_bits(), out[[r, c]].to_bits(), "row {r} col {c}");
            }
        }
    }

    #[test]
    fn integer_products_are_exact_for_odd_shapes() {
        // k not a multiple of 4, n not a multiple of 16, 1..5 rows a block
        check(7, 5, &[1], 64, 1);
        check(13, 17, &[3, 2], 64, 2);
        check(384, 40, &[5, 1, 7], 64, 3);
        check(1536, 33, &[4, 4], 64, 4);
    }

    #[test]
    fn integer_products_are_exact_beyond_the_pair_limit() {
        // weights up to ±127 would saturate vpmaddubsw's i16 pair sums:
        // such a matrix must take the exact portable kernel
        let w = Array2::from_elem((8, 16), 127);
        assert!(!QMatrix::new(w.view(), vec![1.0; 16]).unwrap().fits_pairs);
        check(64, 20, &[6], 127, 5);
        check(20, 3, &[2, 3], 100, 6);
    }

    #[test]
    fn the_portable_kernel_agrees_with_the_simd_one() {
        let mut s = 9;
        let (k, n) = (96, 16);
        let w = Array2::from_shape_fn((k, n), |_| (lcg(&mut s) % 129) as i32 - 64);
        let qm = QMatrix::new(w.view(), vec![1.0; n]).unwrap();
        assert!(qm.fits_pairs);
        let a: Vec<u8> = (0..4 * k).map(|_| (lcg(&mut s) % 256) as u8).collect();
        let mut want = [[0i32; COLS]; 4];
        block_portable(&a, 4, k, &qm.packed, &mut want);
        for (r, sums) in want.iter().enumerate() {
            for c in 0..n {
                let direct: i32 = (0..k).map(|i| a[r * k + i] as i32 * w[[i, c]]).sum();
                assert_eq!(sums[c], direct);
            }
        }
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            let mut got = [[0i32; COLS]; 4];
            // SAFETY: AVX2 detected; 4 rows of k bytes, one packed block, |w| ≤ 64.
            unsafe { block_avx2::<4>(&a, k, &qm.packed, &mut got) };
            assert_eq!(got, want);
        }
    }

    #[test]
    fn malformed_weights_are_refused() {
        // beyond 8 bits, a scale count that does not match, an empty matrix
        let w = Array2::from_elem((4, 2), 200);
        assert!(QMatrix::new(w.view(), vec![1.0; 2]).is_err());
        let w = Array2::from_elem((4, 2), 1);
        assert!(QMatrix::new(w.view(), vec![1.0; 3]).is_err());
        let w = Array2::<i32>::zeros((0, 2));
        assert!(QMatrix::new(w.view(), vec![1.0; 2]).is_err());
    }

    #[test]
    fn a_sequence_with_nan_or_infinity_gives_nan_products() {
        let w = Array2::from_elem((8, 3), 5);
        let qm = QMatrix::new(w.view(), vec![0.5; 3]).unwrap();
        for bad in [f32::NAN, f32::INFINITY] {
            let mut a = Array2::from_elem((4, 8), 1.0f32);
            a[[3, 2]] = bad;
            // two sequences: rows 0-1 are clean, rows 2-3 hold the bad value
            let q = quantize_sequences(a.view(), &[(0, 2), (2, 2)], qm.padded_k());
            let mut out = Array2::<f32>::zeros((4, 3));
            qm.product(
                q.slice(0, 4),
                ndarray::Array1::zeros(3).view(),
                out.view_mut(),
            );
            assert!(
                out.slice(ndarray::s![..2, ..])
                    .iter()
                    .all(|v| v.is_finite())
            );
            assert!(
                out.slice(ndarray::s![2.., ..]).iter().all(|v| v.is_nan()),
                "{bad}"
            );
        }
    }

    #[test]
    fn magic_rounding_is_half_to_even() {
        for i in -40_000..=40_000 {
            let y = i as f32 / 64.0;
            assert_eq!(round_ties_even(y), y.round_ties_even(), "{y}");
        }
        for y in [0.5f32, 1.5, 2.5, -0.5, -1.5, 254.5, 1e7, -3e9, 4_194_303.5] {
            assert_eq!(round_ties_even(y), y.round_ties_even(), "{y}");
        }
    }

    #[test]
    fn quantization_matches_the_onnx_formula() {
        // the second sequence spans twice the range of the first
        let xs: Vec<f32> = (0..1000)
            .map(|i| ((i * 7919) % 1013) as f32 / 37.0 - 9.5)
            .enumerate()
            .map(|(i, v)| if i < 400 { v } else { 2.0 * v })
            .collect();
        let a = Array2::from_shape_vec((10, 100), xs.clone()).unwrap();
        // two sequences with their own scales
        let q = quantize_sequences(a.view(), &[(0, 4), (4, 6)], 100);
        for (rows, part) in [(0..4, &xs[..400]), (4..10, &xs[400..])] {
            let lo = part.iter().fold(0f32, |m, &v| m.min(v));
            let hi = part.iter().fold(0f32, |m, &v| m.max(v));
            let scale = (hi - lo) / 255.0;
            let zp = (-lo / scale).round_ties_even().clamp(0.0, 255.0);
            for r in rows {
                assert_eq!(q.scale[r].to_bits(), scale.to_bits());
                assert_eq!(q.zero_point[r], zp as i32);
                for i in 0..100 {
                    let v = xs[r * 100 + i];
                    let want = ((v / scale).round_ties_even() + zp).clamp(0.0, 255.0) as u8;
                    assert_eq!(q.data[r * 100 + i], want, "{v}");
                }
            }
        }
        assert_ne!(q.scale[0], q.scale[9], "each sequence has its own scale");
        // a block of zeros: scale 0, every value 0
        let z = quantize_sequences(Array2::<f32>::zeros((2, 8)).view(), &[(0, 2)], 8);
        assert_eq!((z.scale[0], z.zero_point[0]), (0.0, 0));
        assert!(z.data.iter().all(|&v| v == 0));
    }
}
