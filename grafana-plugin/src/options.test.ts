import { PanelOptionsEditorBuilder, standardEditorsRegistry } from '@grafana/data';

import { plugin } from './module';
import { registerStubEditors } from './testing/grafana';
import { defaultOptions, PanelOptions, PanelView } from './types';

const VIEWS: PanelView[] = ['plan', 'headroom', 'decisions', 'fleet'];

/** The option editors Grafana builds from the plugin, in the editor's order, each with the id of the standard editor it uses. */
function editors() {
  registerStubEditors();
  const get = jest.spyOn(standardEditorsRegistry, 'get');
  const builder = new PanelOptionsEditorBuilder<PanelOptions>();
  plugin.getPanelOptionsSupplier()(builder, { data: [] });
  const used = get.mock.calls.map(([id]) => id);
  get.mockRestore();
  return builder.getItems().map((item, i) => ({ ...item, standardEditor: used[i] }));
}

describe('the panel options editor', () => {
  it.each([
    ['view', 'radio', VIEWS, ['plan', 'headroom', 'decisions', 'fleet']],
    ['service', 'text', VIEWS, undefined],
    ['planMetric', 'radio', ['plan'], ['instances', 'cost']],
    ['planScale', 'radio', ['plan'], ['auto', 'linear', 'log']],
    ['showSummary', 'boolean', ['plan'], undefined],
    ['showEventList', 'boolean', ['decisions'], undefined],
    ['fleetSort', 'radio', ['fleet'], ['headroom', 'exhaustion', 'name']],
    ['fleetTopN', 'number', ['fleet'], undefined],
    ['fleetLink', 'text', ['fleet'], undefined],
  ] as Array<[keyof PanelOptions, string, PanelView[], string[] | undefined]>)(
    'offers %p with the %p editor, its declared default, in the views %p',
    (path, editor, shownIn, choices) => {
      const item = editors().find((e) => e.path === path)!;
      expect(item.id).toBe(path);
      expect(item.standardEditor).toBe(editor);
      expect(item.defaultValue).toEqual(defaultOptions[path]);
      expect(VIEWS.filter((view) => (item.showIf ? item.showIf({ ...defaultOptions, view }) : true))).toEqual(shownIn);
      expect(item.settings?.options?.map((o: { value: string }) => o.value)).toEqual(choices);
      expect(item.description?.length).toBeGreaterThan(10);
    }
  );

  it('lists every option of PanelOptions once, in the order of the editor', () => {
    expect(editors().map((e) => e.path)).toEqual(Object.keys(defaultOptions));
  });

  it('keeps the service link placeholder and the row limits', () => {
    const byPath = new Map(editors().map((e) => [e.path, e]));
    expect(byPath.get('service')!.settings).toEqual({ placeholder: '$service' });
    expect(byPath.get('fleetTopN')!.settings).toEqual({ min: 1, max: 500, integer: true });
  });
});
