// People pickers: each text input with data-people-search (it takes an email address, and
// works without this script) becomes an ARIA 1.2 combobox listing up to 20 people whose
// name or email matches what was typed, from HR's search endpoint. Arrow keys move through
// the list, Enter or a click chooses (the input then holds that person's email), Escape closes.

function enhance(input) {
  const url = input.dataset.peopleSearch;
  const listId = `${input.id}-people`;
  const list = document.createElement("ul");
  list.id = listId;
  list.className = "app-picker__list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Matching people");
  list.hidden = true;
  const status = document.createElement("div");
  status.className = "nhsuk-u-visually-hidden";
  status.setAttribute("role", "status");
  const wrapper = document.createElement("div");
  wrapper.className = "app-picker";
  input.parentNode.insertBefore(wrapper, input);
  wrapper.append(input, list, status);
  input.removeAttribute("list"); // the built-in list is for browsers without this script
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listId);

  let people = [];
  let active = -1;
  let asked = 0;
  let timer;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(index) {
    input.value = people[index].email;
    close();
    status.textContent = `${people[index].name} chosen`;
  }

  function show(found) {
    people = found;
    list.replaceChildren(...found.map((person, i) => {
      const li = document.createElement("li");
      li.id = `${listId}-${i}`;
      li.className = "app-picker__option";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      const name = document.createElement("span");
      name.textContent = person.name;
      const email = document.createElement("span");
      email.className = "app-picker__email";
      email.textContent = person.email;
      li.append(name, " ", email);
      // mousedown, not click: the input keeps focus, so the list is not closed first.
      li.addEventListener("mousedown", (event) => { event.preventDefault(); choose(i); });
      return li;
    }));
    list.hidden = found.length === 0;
    input.setAttribute("aria-expanded", String(found.length > 0));
    active = -1;
    status.textContent = found.length ? `${found.length} ${found.length === 1 ? "person matches" : "people match"}; use the arrow keys to choose`
      : "Nobody matches: type their full email address";
  }

  async function search() {
    const text = input.value.trim();
    const mine = ++asked;
    if (text.length < 2) { close(); return; }
    try {
      const response = await fetch(`${url}?q=${encodeURIComponent(text)}`, { headers: { Accept: "application/json" } });
      if (!response.ok || mine !== asked) return;
      show(await response.json());
    } catch {
      close(); // the typed email address still works
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && people.length > 0;
    if (event.key === "ArrowDown" && open) {
      event.preventDefault();
      highlight(Math.min(active + 1, people.length - 1));
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault(); // choose, not submit the form
      choose(active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", close);
}

document.querySelectorAll("input[data-people-search]").forEach(enhance);
