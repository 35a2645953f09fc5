// The gallery page: picks a collection, adds images to it, searches it by text or by image.
// It calls the gateway's HTTP/JSON routes (docs/gallery.md); proto3 JSON, so bytes are base64.

/** Items per Upsert call: under the gateway's limit on images in one request (64 by default). */
const BATCH_ITEMS = 16;
/** Encoded bytes per Upsert call, so a few large photos do not make one huge request. */
const BATCH_BYTES = 8 << 20;
/** Upsert calls in flight at once. */
const IN_FLIGHT = 3;
const IMAGE_NAME = /\.(png|jpe?g|gif|bmp|webp|tiff?)$/i;

/** gRPC status names by number, for an error body that gives only the number (google.rpc.Status). */
const GRPC_CODES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND',
  'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED',
  'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

const $ = (id) => document.getElementById(id);

/** An HTTP error, with the server's message and field violations when its body has them. */
class ApiError extends Error {
  constructor(status, body) {
    const error = body && typeof body.error === 'object' ? body.error : body || {};
    super(error.message || (typeof body?.error === 'string' ? body.error : '') || `HTTP ${status}`);
    this.code = error['grpc-code'] || GRPC_CODES[error.code] || error.status || `HTTP ${status}`;
    this.violations = (error.details || [])
      .flatMap((detail) => detail.fieldViolations || [])
      .map((v) => `${v.field}: ${v.description}`);
  }
}

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text.trim() };
  }
  if (!response.ok) {
    throw new ApiError(response.status, json);
  }
  return json;
}

const collectionPath = () => `/v1/collections/${encodeURIComponent($('collection').value.trim())}`;

function showError(error) {
  const box = $('error');
  box.replaceChildren();
  if (!error) {
    box.hidden = true;
    return;
  }
  const title = document.createElement('p');
  title.dataset.test = 'error-message';
  title.textContent =
    error.code && error.code !== error.message ? `${error.message} (${error.code})` : error.message;
  box.append(title);
  if (error.violations?.length) {
    const list = document.createElement('ul');
    for (const violation of error.violations) {
      const item = document.createElement('li');
      item.textContent = violation;
      list.append(item);
    }
    box.append(list);
  }
  box.hidden = false;
}

async function refreshCollections() {
  try {
    const { collections = [] } = await call('GET', '/v1/collections');
    $('collection-names').replaceChildren(
      ...collections.map((c) => Object.assign(document.createElement('option'), { value: c.name })),
    );
    describeCollection(collections);
  } catch (error) {
    showError(error);
  }
}

function describeCollection(collections) {
  const name = $('collection').value.trim();
  const found = collections.find((c) => c.name === name);
  $('collection-info').textContent = found
    ? `${found.size || 0} items, ${found.model}@${found.modelVersion}, ${found.backend}`
    : 'A new name is created when you add the first images.';
}

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result.slice(reader.result.indexOf(',') + 1));
    reader.onerror = () => reject(new Error(`could not read ${file.name}: ${reader.error}`));
    reader.readAsDataURL(file);
  });
}

const isImage = (file) => file.type.startsWith('image/') || IMAGE_NAME.test(file.name);

function batches(files) {
  const result = [];
  let current = [];
  let bytes = 0;
  for (const file of files) {
    if (current.length === BATCH_ITEMS || (current.length && bytes + file.size > BATCH_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.size;
  }
  if (current.length) result.push(current);
  return result;
}

async function addImages(fileList) {
  const files = [...fileList].filter(isImage);
  const skipped = [...fileList].filter((file) => !isImage(file)).map((file) => file.name);
  showError(skipped.length ? new Error(`Skipped, not images: ${skipped.join(', ')}`) : null);
  if (!files.length) return;
  const progress = $('add-progress');
  const status = $('add-status');
  progress.max = files.length;
  progress.value = 0;
  progress.hidden = false;
  let done = 0;
  let failure = null;
  status.textContent = `Adding ${files.length} images...`;
  const queue = batches(files);
  const upload = async () => {
    for (let batch = queue.shift(); batch && !failure; batch = queue.shift()) {
      const items = await Promise.all(batch.map(async (file) => ({
        id: file.name,
        image: { encoded: await readBase64(file) },
        metadata: { name: file.name },
      })));
      try {
        await call('POST', `${collectionPath()}/items`, { items });
        done += batch.length;
        progress.value = done;
        status.textContent = `Added ${done} of ${files.length} images`;
      } catch (error) {
        failure = failure || nameItems(error, batch);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, upload));
  if (failure) {
    status.textContent = `Added ${done} of ${files.length} images; stopped at an error`;
    showError(failure);
  } else {
    status.textContent = `Added ${done} of ${files.length} images`;
  }
  await refreshCollections();
}

/**
 * Adds which file each `items[i]` in the server's error is: the server knows only positions. An
 * encoder's message counts the request's images (`images[i]`); the page sends only images, in order,
 * so those are the same positions.
 */
function nameItems(error, batch) {
  const text = [error.message, ...(error.violations || [])].join(' ');
  const named = new Map();
  for (const [field, list, position] of text.matchAll(/(items|images)\[(\d+)\]/g)) {
    if (batch[position]) named.set(field, `${list}[${position}] is ${batch[position].name}`);
  }
  error.violations = [...(error.violations || []), ...named.values()];
  return error;
}

function thumbnailSource(base64) {
  const type = base64.startsWith('/9j/') ? 'jpeg' : base64.startsWith('UklGR') ? 'webp' : 'png';
  return `data:image/${type};base64,${base64}`;
}

function hitElement(hit, rank) {
  const item = document.createElement('li');
  item.className = 'hit';
  item.dataset.test = 'hit';
  item.dataset.id = hit.id;
  item.dataset.score = hit.score ?? 0;
  const figure = document.createElement('figure');
  if (hit.thumbnail) {
    const image = document.createElement('img');
    image.src = thumbnailSource(hit.thumbnail);
    image.alt = hit.metadata?.name || hit.id;
    figure.append(image);
  } else {
    const placeholder = document.createElement('div');
    placeholder.className = 'placeholder';
    placeholder.setAttribute('role', 'img');
    placeholder.setAttribute('aria-label', `no thumbnail: ${hit.id}`);
    placeholder.textContent = hit.id;
    figure.append(placeholder);
  }
  const caption = document.createElement('figcaption');
  const title = document.createElement('strong');
  title.textContent = `${rank}. ${hit.id}`;
  const score = document.createElement('span');
  score.className = 'score';
  score.dataset.test = 'score';
  score.textContent = `score ${(hit.score ?? 0).toFixed(3)}`;
  const metadata = document.createElement('dl');
  for (const [key, value] of Object.entries(hit.metadata || {})) {
    metadata.append(
      Object.assign(document.createElement('dt'), { textContent: key }),
      Object.assign(document.createElement('dd'), { textContent: value }),
    );
  }
  caption.append(title, score, metadata);
  figure.append(caption);
  item.append(figure);
  return item;
}

async function search(query, description) {
  const status = $('results-status');
  status.textContent = `Searching for ${description}...`;
  $('search').disabled = true;
  try {
    const topK = Number.parseInt($('top-k').value, 10) || 0;
    const { hits = [] } = await call('POST', `${collectionPath()}:search`, { ...query, topK });
    $('results').replaceChildren(...hits.map((hit, i) => hitElement(hit, i + 1)));
    status.textContent = `${hits.length} hits for ${description}`;
    showError(null);
  } catch (error) {
    $('results').replaceChildren();
    status.textContent = `Search for ${description} failed`;
    showError(error);
  } finally {
    $('search').disabled = false;
  }
}

async function searchByImage(file) {
  if (!file) return;
  if (!isImage(file)) {
    showError(new Error(`${file.name} is not an image`));
    return;
  }
  await search({ image: { encoded: await readBase64(file) } }, `images like ${file.name}`);
}

/** Makes `zone` accept dropped files and highlight while something is dragged over it. */
function dropZone(zone, onFiles) {
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    onFiles(event.dataTransfer.files);
  });
}

function start() {
  dropZone($('add-drop'), addImages);
  dropZone($('query-drop'), (files) => searchByImage(files[0]));
  $('add-files').addEventListener('change', async (event) => {
    await addImages(event.target.files);
    event.target.value = '';
  });
  $('query-file').addEventListener('change', async (event) => {
    await searchByImage(event.target.files[0]);
    event.target.value = '';
  });
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('query').value.trim();
    if (text) search({ text }, `"${text}"`);
  });
  $('collection').addEventListener('change', refreshCollections);
  $('refresh-collections').addEventListener('click', refreshCollections);
  const fromUrl = new URLSearchParams(window.location.search).get('collection');
  if (fromUrl) $('collection').value = fromUrl;
  refreshCollections();
}

start();
