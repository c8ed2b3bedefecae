// Temporary stand-in for pyodide_app/js/render/figure.js, used by scripts/build_js.mjs only while the
// renderer's module is missing. Same API (createFigure -> {setScene, setTheme, dispose, canvas}); draws every
// face element as a point coloured by sign. Not the real picture.
//
// Example: const fig = createFigure(el, { theme: "light", label: "A @ B" }); await fig.setScene(buffer);

import * as THREE from "three";

function decode(buffer) {
  const view = new DataView(buffer);
  const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
  if (magic !== "MMSC") throw new Error(`not a scene: magic ${JSON.stringify(magic)}, expected "MMSC"`);
  const n = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 12, n)));
  const data = Math.ceil((12 + n) / 8) * 8;
  const arr = (ref) => new Float32Array(buffer, data + ref.offset, ref.shape.reduce((a, b) => a * b, 1));
  return { header, arr };
}

export function createFigure(container, { theme = "light", label = "" } = {}) {
  const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
  const canvas = renderer.domElement;
  canvas.setAttribute("aria-label", label);
  container.appendChild(canvas);
  const scene = new THREE.Scene();
  const camera = new THREE.PerspectiveCamera(40, 1, 0.1, 1e5);
  const size = () => {
    const w = container.clientWidth || 600, h = container.clientHeight || 400;
    renderer.setSize(w, h, true);
    camera.aspect = w / h;
    camera.updateProjectionMatrix();
  };
  const draw = () => renderer.render(scene, camera);
  const setTheme = (t) => { scene.background = new THREE.Color(t === "dark" ? 0x1e2129 : 0xffffff); draw(); };
  setTheme(theme);
  size();
  return {
    canvas,
    async setScene(buffer) {
      const { header, arr } = decode(buffer);
      scene.clear();
      const pos = [], col = [];
      for (const f of header.faces) {
        const ro = arr(f.row_offsets), co = arr(f.col_offsets), v = arr(f.values);
        const [h, w] = f.shape;
        for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) {
          for (let k = 0; k < 3; k++) pos.push(f.p00[k] + ro[r] * f.row_dir[k] + co[c] * f.col_dir[k] + header.center[k]);
          const x = v[r * w + c];
          col.push(x > 0 ? 0.9 : 0.2, 0.4, x < 0 ? 0.9 : 0.2);
        }
      }
      const g = new THREE.BufferGeometry();
      g.setAttribute("position", new THREE.Float32BufferAttribute(pos, 3));
      g.setAttribute("color", new THREE.Float32BufferAttribute(col, 3));
      scene.add(new THREE.Points(g, new THREE.PointsMaterial({ size: 3, vertexColors: true, sizeAttenuation: false })));
      const cam = header.camera;
      camera.position.set(...cam.position);
      camera.up.set(...cam.up);
      camera.lookAt(...cam.target);
      size();
      draw();
      await new Promise((r) => requestAnimationFrame(() => r()));
    },
    setTheme,
    dispose() {
      renderer.dispose();
      renderer.forceContextLoss();
      canvas.remove();
    },
  };
}
