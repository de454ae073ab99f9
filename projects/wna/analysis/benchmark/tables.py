"""The benchmark result as Markdown tables for the terminal."""
from __future__ import annotations

from projects.wna.evaluation.report import markdown_table

GIGA, MEGA = 1e9, 1e6


def _ms(stats: dict[str, float]) -> str:
    return f'{stats["median_ms"]:.2f} / {stats["p90_ms"]:.2f}'


def _memory(reading: dict) -> str:
    text = f'{reading["peak_rss_mib"]:.0f}'
    if 'rss_at_start_mib' in reading:
        text += f' (from {reading["rss_at_start_mib"]:.0f})'
    if 'peak_cuda_allocated_mib' in reading:
        text += f' (CUDA {reading["peak_cuda_allocated_mib"]:.0f})'
    return text


def _shares(shares: dict[str, float]) -> str:
    return ' '.join(f'{name} {share:.2f}' for name, share in shares.items())


def header_lines(result: dict) -> list[str]:
    """Run, machine, inputs and the prototype cache in words."""
    env, inputs, cache = result['environment'], result['inputs'], result['prototype_cache']
    device = env.get('gpu') or env['cpu']
    where = inputs.get('lmdb') or f'synthetic (seed {inputs["seed"]})'
    settings = result['settings']
    weights = result['checkpoint'] or ('random (seeded): routing choices and decoded '
                                       'lengths are arbitrary, give --checkpoint for '
                                       'representative ones')
    return [
        f'config {result["config"]}; weights: {weights}',
        f'device {env["device"]} ({device}); torch {env["torch"]}; {env["threads"]} threads '
        f'(interop {env["interop_threads"]}) of {env["logical_cpus"]} logical CPUs; load '
        f'average {env["load_average_1min"]:.2f} at start, '
        f'{env["load_average_1min_end"]:.2f} at end',
        f'inputs: {where}, {inputs["num_images"]} images, mean label '
        f'{inputs["mean_label_len"]:.1f} characters; dictionary {result["dictionary"]} '
        f'({cache["num_prototypes"]} prototypes, {cache["num_labels"]} labels)',
        f'{cache["note"]} ({cache["seconds"]:.2f} s)',
        f'{settings["warmup"]} warm-up + {settings["repeats"]} timed batches per batch size '
        f'and routing variant, {settings["train_repeats"]} timed training steps; medians; '
        f'peak RSS per {result["prototype_cache"]["memory"]["rss_scope"]}',
    ]


def inference_table(result: dict) -> str:
    header = ['batch', 'img/s', 'model img/s', 'data ms', 'router ms', 'experts ms',
              'decoding ms', 'end-to-end ms', 'GFLOP/img', 'GFLOP/s', 'of matmul',
              'decoded len', 'peak RSS MiB']
    rows = []
    for batch, r in result['inference'].items():
        lat = r['latency']
        rows.append([batch, f'{r["img_per_s"]:.1f}', f'{r["model_img_per_s"]:.1f}',
                     _ms(lat['data']), _ms(lat['router']), _ms(lat['experts']),
                     _ms(lat['decoding']), _ms(lat['end_to_end']),
                     f'{r["flops_per_image"] / GIGA:.3f}',
                     f'{r["achieved_flops_per_s"] / GIGA:.1f}', f'{r["ratio_to_matmul"]:.1%}',
                     f'{r["mean_decoded_len"]:.1f}', _memory(r['memory'])])
    return ('Inference (latency per batch, median / p90; data = read, decode, pipeline, '
            'collate, data_preprocessor; decoding = the rest of predict: routing choice, DTD, '
            'classifier, greedy decoding; model = router + experts + decoding)\n'
            + markdown_table(header, rows))


def training_table(result: dict) -> str:
    t = result['training']
    buckets = ' + '.join(f'{n} {name}' for name, n in t['buckets'].items())
    header = ['batch', 'it/s', 'img/s', 'step ms', 'GFLOP/step', 'GFLOP/s', 'of matmul',
              'peak RSS MiB']
    header = ['wrapper', *header]
    rows = [[t['optimizer'], f'{t["batch_size"]} ({buckets})', f'{t["iter_per_s"]:.2f}',
             f'{t["img_per_s"]:.1f}', _ms(t['latency']['step']),
             f'{t["flops_per_step"] / GIGA:.2f}', f'{t["achieved_flops_per_s"] / GIGA:.1f}',
             f'{t["ratio_to_matmul"]:.1%}', _memory(t['memory'])]]
    if 'mixed_precision' in t:
        m = t['mixed_precision']
        rows.append([m['optimizer'], '', f'{m["iter_per_s"]:.2f}', f'{m["img_per_s"]:.1f}',
                     _ms(m['latency']['step']), '', '', '', _memory(m['memory'])])
    return ('Training (full step: forward, backward, optimiser step; float32 and mixed '
            'precision, interleaved)\n' + markdown_table(header, rows))


def flops_table(result: dict) -> str:
    f = result['flops']
    names = list(f['experts'])
    rows = [['router', *[f'{f["router"] / MEGA:.1f}'] * len(names)],
            ['expert (backbone + temporal)', *[f'{f["experts"][n] / MEGA:.1f}' for n in names]],
            [f'decode step (K={f["num_prototypes"]})',
             *[f'{f["decode_step"][n] / MEGA:.2f}' for n in names]],
            [f'per image ({f["mean_len"]:.1f} steps)',
             *[f'{f["per_image"][n] / MEGA:.1f}' for n in names]]]
    m = result['matmul']
    return ('MFLOPs per image by expert (convolutions and matrix products; glyph encoder '
            f'{f["glyph_encoder_per_prototype"] / MEGA:.1f} MFLOP per prototype, once per '
            f'dictionary); reference {m["size"]}x{m["size"]} {m["dtype"]} matmul: '
            f'{m["flops_per_s"] / GIGA:.1f} GFLOP/s\n'
            + markdown_table(['part', *names], rows))


def routing_table(result: dict) -> str:
    r = result['routing']
    header = ['routing', 'model img/s', 'router ms', 'experts ms', 'decoding ms', 'model ms',
              'routed share']
    rows = [[name, f'{v["model_img_per_s"]:.1f}', _ms(v['latency']['router']),
             _ms(v['latency']['experts']), _ms(v['latency']['decoding']),
             _ms(v['latency']['model']), _shares(v['routed_share'])]
            for name, v in r['variants'].items()]
    return (f'Routing at batch {r["batch_size"]} (same preprocessed inputs; data loading '
            'left out)\n' + markdown_table(header, rows))


def paths_table(result: dict) -> str:
    reading = result['fast_paths']['reading']
    batches = list(reading['fp32'])
    header = ['path', *[f'{b} img/s (x fp32, same)' for b in batches]]
    rows = []
    for name, entries in reading.items():
        base = reading['fp32']
        rows.append([name, *[f'{entries[b]["model_img_per_s"]:.1f} '
                             f'(x{entries[b]["model_img_per_s"] / base[b]["model_img_per_s"]:.2f}'
                             f', {entries[b]["identical_to_fp32"]:.1%})' for b in batches]])
    paths = '; '.join(f'{k}: {v}' for k, v in result['paths'].items())
    return ('Test-time paths (model img/s on the same batches; "same" = strings identical '
            f'to fp32)\n{paths}\n' + markdown_table(header, rows))


def glyphs_table(result: dict) -> str:
    glyphs = result['fast_paths']['glyph_encoding']
    dicts = list(glyphs['fp32'])
    header = ['path', *[f'{d} ({glyphs["fp32"][d]["glyphs"]}) s' for d in dicts]]
    def cell(entry: dict, d: str) -> str:
        if d not in entry:
            return ''
        seconds = entry[d]['seconds']
        return f'{seconds:.2f} (x{glyphs["fp32"][d]["seconds"] / seconds:.2f})'

    rows = [[name, *[cell(e, d) for d in dicts]] for name, e in glyphs.items()]
    return ('Glyph encoding (whole dictionary, fresh cache; x = speed-up over fp32)\n'
            + markdown_table(header, rows))


def mmocr_table(result: dict) -> str:
    reading, mmocr = result['fast_paths']['reading'], result['mmocr_models']
    batches = [b for b in reading['fp32'] if all(b in m for m in mmocr.values())]
    rows = [[f'WnA ({name})', '', *[f'{reading[name][b]["model_img_per_s"]:.1f}'
                                    for b in batches]] for name in ('fp32', 'fast')]
    rows += [[name, f'{m["params"] / MEGA:.1f}',
              *[f'{m[b]["model_img_per_s"]:.1f}' for b in batches]] for name, m in mmocr.items()]
    return ('MMOCR recognisers on the same images (random weights, their own test '
            'pipelines; model img/s)\n'
            + markdown_table(['model', 'M params', *batches], rows))


def accuracy_table(result: dict) -> str:
    acc = result['accuracy']
    rows = [[test, metric, f'{100 * e["fp32"][metric]:.2f}', f'{100 * e["fast"][metric]:.2f}',
             f'{e["delta_points"][metric]:+.2f}', f'{e.get("identical_share", 0):.1%}']
            for test, e in acc['tests'].items() for metric in e['fp32']]
    return (f'Accuracy, fp32 vs fast ({acc["checkpoint"]})\n'
            + markdown_table(['test', 'metric', 'fp32', 'fast', 'delta', 'same strings'],
                             rows))


def format_report(result: dict) -> str:
    """Header lines and the inference, training, FLOP, routing, path, glyph-encoding,
    MMOCR and accuracy tables."""
    parts = ['\n'.join(header_lines(result)), inference_table(result),
             training_table(result), flops_table(result), routing_table(result),
             paths_table(result), glyphs_table(result)]
    if 'mmocr_models' in result:
        parts.append(mmocr_table(result))
    if 'accuracy' in result:
        parts.append(accuracy_table(result))
    return '\n\n'.join(parts)
